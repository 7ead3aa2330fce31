"""Words for the lines of a task's timeline, rendered in the reader's language from what
each line records (its kind and data), so nothing English is stored as prose."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from commands.choices import TaskStatus, TaskUpdateKind
from commands.models import TaskUpdate


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _status(value: str) -> str:
    return str(TaskStatus(value).label) if value in TaskStatus.values else value


def task_update_text(update: TaskUpdate) -> str:
    """What the line says, e.g. "Task created." or "Reassigned to patrol-7."."""
    data = update.data or {}
    if update.kind == TaskUpdateKind.CREATED:
        return _("Task created.")
    if update.kind == TaskUpdateKind.ASSIGNED:
        return _("Reassigned to %(who)s.") % {"who": data.get("user") or data.get("team") or "—"}
    if update.kind == TaskUpdateKind.DUE:
        if not data.get("due_at"):
            return _("Due time removed.")
        return _("Due time set to %(when)s.") % {"when": _when(data.get("due_at"))}
    if update.kind == TaskUpdateKind.CANCELLED:
        return _("Cancelled.")
    if update.kind == TaskUpdateKind.STATUS and update.status:
        return _("Status: %(status)s.") % {"status": _status(update.status)}
    return update.note
