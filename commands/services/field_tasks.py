"""Field tasks: create (pre-filled from an alert or hotspot), assign, move through their
statuses with updates, and raise an alert when one runs overdue. All audited."""

from datetime import datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from commands import texts
from commands.choices import (
    OPEN_TASK_STATUSES,
    SEVERITY_TASK_PRIORITY,
    TASK_PRIORITY_SEVERITY,
    TASK_TRANSITIONS,
    AlertSource,
    TaskPriority,
    TaskStatus,
    TaskUpdateKind,
)
from commands.dispatch import announce_task
from commands.models import Alert, Task, TaskUpdate, Team
from commands.permissions import TASK_CANCEL_ROLES
from commands.services import task_links
from commands.services.alerts import AlertSpec, alert_raise
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

_EDITABLE = ("title", "description", "priority", "geom", "due_at", "region_id")


def task_prefill_from_alert(*, alert: Alert) -> dict:
    """Fields a task created from ``alert`` starts with (the caller may override any): its
    text in both languages, priority from severity, region and place."""
    geom, incident_id = task_links.alert_place(alert=alert)
    return {
        "title": alert.title_en,
        "title_ar": alert.title_ar,
        "description": alert.message_en,
        "description_ar": alert.message_ar,
        "priority": SEVERITY_TASK_PRIORITY.get(alert.severity, TaskPriority.NORMAL),
        "region_id": alert.region_id,
        "geom": geom,
        "incident_id": incident_id,
        "hotspot_id": alert.hotspot_id,
    }


def task_prefill_from_hotspot(*, hotspot) -> dict:
    """Fields a task created from an analytics hotspot starts with: patrol its centre."""
    geom = getattr(hotspot, "geom", None)
    centre = geom.centroid if geom is not None else None
    region = getattr(hotspot, "region", None)
    trend = texts.HOTSPOT_TRENDS.get(getattr(hotspot, "trend", ""), texts.Bilingual("", ""))
    values = {
        "trend": trend,
        "region": texts.named(region),
        "id": hotspot.pk,
        "score": texts.score(getattr(hotspot, "score", None)),
    }
    title = texts.TASK_HOTSPOT_TITLE.format(**values)
    description = texts.TASK_HOTSPOT_DESCRIPTION.format(**values)
    return {
        "title": " ".join(title.en.split()),
        "title_ar": " ".join(title.ar.split()),
        "description": description.en,
        "description_ar": description.ar,
        "priority": TaskPriority.HIGH,
        "region_id": getattr(hotspot, "region_id", None),
        "geom": Point(centre.x, centre.y, srid=centre.srid) if centre else None,
        "hotspot_id": hotspot.pk,
    }


def _check_assignee(assignee_user, assignee_team: Team | None) -> None:
    if assignee_user is None and assignee_team is None:
        raise ValidationError({"assignee": "Assign the task to a user or a team."})
    if assignee_user is not None and not assignee_user.is_active:
        raise ValidationError({"assignee_user": "This user is inactive."})


def _task_fields(prefill: dict, given: dict) -> dict:
    """Prefilled fields overridden by what the caller gave; a person's own title or
    description replaces both languages of the generated one."""
    fields = {**prefill, **{k: v for k, v in given.items() if v not in (None, "")}}
    for name in ("title", "description"):
        if given.get(name):
            fields[f"{name}_ar"] = ""
    return fields


@transaction.atomic
def task_create(
    *,
    actor,
    title: str = "",
    description: str = "",
    priority: str | None = None,
    geom: Point | None = None,
    due_at: datetime | None = None,
    alert: Alert | None = None,
    hotspot=None,
    incident_id: int | None = None,
    region_id: int | None = None,
    assignee_user=None,
    assignee_team: Team | None = None,
) -> Task:
    """Create and assign a task. From an alert or a hotspot, missing fields are pre-filled
    (place included). An alert with an open task refuses a second one (409)."""
    prefill: dict = {}
    if alert is not None:
        alert = task_links.alert_lock_for_task(alert=alert)
        prefill = task_prefill_from_alert(alert=alert)
    elif hotspot is not None:
        prefill = task_prefill_from_hotspot(hotspot=hotspot)
    given = {
        "title": title,
        "description": description,
        "priority": priority,
        "geom": geom,
        "incident_id": incident_id,
        "region_id": region_id,
    }
    fields = _task_fields(prefill, given)
    _check_assignee(assignee_user, assignee_team)
    task = Task(
        **fields,
        due_at=due_at,
        alert=alert,
        assignee_user=assignee_user,
        assignee_team=assignee_team,
        created_by=actor,
    )
    task.priority = task.priority or TaskPriority.NORMAL
    task.full_clean()
    task.save()
    TaskUpdate.objects.create(
        task=task, author=actor, status=task.status, kind=TaskUpdateKind.CREATED
    )
    audit_record(
        action="task_create",
        actor=actor,
        obj=task,
        summary={"title": task.title, "alert": alert.pk if alert else None},
    )
    if alert is not None:
        task_links.alert_task_created(alert=alert, task=task, actor=actor, now=timezone.now())
    announce_task(task.pk)
    return task


@transaction.atomic
def task_update(*, task: Task, actor, **changes) -> Task:
    """Edit a task's descriptive fields (title, description, priority, location, due);
    a new due time is a line on the task's timeline."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}."
        )
    previous_due = task.due_at
    for name, value in changes.items():
        setattr(task, name, value)
        if name in ("title", "description"):
            setattr(task, f"{name}_ar", "")  # a person's text replaces the generated pair
    if (
        "due_at" in changes
        and task.overdue_alert_id
        and (task.due_at or timezone.now()) > timezone.now()
    ):
        task.overdue_alert = None  # a new deadline may run overdue again
    task.full_clean()
    task.save()
    if "due_at" in changes and task.due_at != previous_due:
        TaskUpdate.objects.create(
            task=task,
            author=actor,
            kind=TaskUpdateKind.DUE,
            data={
                "due_at": task.due_at.isoformat() if task.due_at else None,
                "previous": previous_due.isoformat() if previous_due else None,
            },
        )
    audit_record(action="task_update", actor=actor, obj=task, summary={"fields": sorted(changes)})
    announce_task(task.pk)
    return task


@transaction.atomic
def task_assign(
    *, task: Task, actor, assignee_user=None, assignee_team: Team | None = None
) -> Task:
    """Reassign a task; it goes back to ``assigned`` for the new assignee to accept."""
    _check_assignee(assignee_user, assignee_team)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status not in OPEN_TASK_STATUSES:
        raise ApplicationError(f"A {task.status} task cannot be reassigned.")
    task.assignee_user, task.assignee_team, task.status = (
        assignee_user,
        assignee_team,
        TaskStatus.ASSIGNED,
    )
    task.save(update_fields=["assignee_user", "assignee_team", "status", "updated_at"])
    TaskUpdate.objects.create(
        task=task,
        author=actor,
        status=task.status,
        kind=TaskUpdateKind.ASSIGNED,
        data={
            "user": getattr(assignee_user, "username", None),
            "team": getattr(assignee_team, "slug", None),
        },
    )
    audit_record(
        action="task_assign",
        actor=actor,
        obj=task,
        summary={
            "user": getattr(assignee_user, "pk", None),
            "team": getattr(assignee_team, "pk", None),
        },
    )
    announce_task(task.pk)
    return task


class TaskActionNotAllowed(ApplicationError):
    """The role may not make this change (403)."""

    status_code = 403
    code = "permission_denied"


def task_move_check(*, task: Task, status: str, actor) -> None:
    """Raise unless ``actor`` may move ``task`` to ``status``: an allowed transition, and
    only analysts cancel. Forms check with it before they save."""
    if status not in TASK_TRANSITIONS.get(task.status, set()):
        raise ApplicationError(
            f"A task cannot move from {task.status} to {status}.",
            extra={"allowed": sorted(TASK_TRANSITIONS.get(task.status, set()))},
        )
    if status == TaskStatus.CANCELLED and getattr(actor, "role", None) not in TASK_CANCEL_ROLES:
        raise TaskActionNotAllowed("Only analysts may cancel a task.")


def _move(task: Task, status: str, actor) -> None:
    """Change the status if the move is allowed."""
    task_move_check(task=task, status=status, actor=actor)
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "completed_at", "updated_at"])


def _update_kind(status: str) -> str:
    if status == TaskStatus.CANCELLED:
        return TaskUpdateKind.CANCELLED
    return TaskUpdateKind.STATUS if status else TaskUpdateKind.NOTE


@transaction.atomic
def task_add_update(
    *,
    task: Task,
    actor,
    note: str = "",
    status: str = "",
    geom: Point | None = None,
    idempotency_key: str = "",
) -> TaskUpdate:
    """Report on a task: a note, optionally a status change (checked against the allowed
    moves and the actor's role) and where the author is. Finishing or cancelling a task
    made from an alert is followed on the alert (see ``task_links``). An update whose
    ``idempotency_key`` was seen before is not applied again: the first one is returned."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if idempotency_key:
        seen = TaskUpdate.objects.filter(idempotency_key=idempotency_key).first()
        if seen is not None:
            if seen.task_id != task.pk:
                raise ApplicationError("This idempotency key was used for another task.")
            return seen
    if not note.strip() and not status:
        raise ValidationError({"note": "Write a note or change the status."})
    moved = bool(status) and status != task.status
    if moved:
        _move(task, status, actor)
    update = TaskUpdate.objects.create(
        task=task,
        author=actor,
        note=note,
        status=status,
        geom=geom,
        kind=_update_kind(status),
        idempotency_key=idempotency_key or None,
    )
    audit_record(
        action="task_status" if status else "task_note",
        actor=actor,
        obj=task,
        summary={"status": status, "note": note[:200]},
    )
    if moved:
        task_links.alert_task_finished(task=task, actor=actor, note=note, now=timezone.now())
    announce_task(task.pk)
    return update


def task_cancel(*, task: Task, actor, note: str = "") -> TaskUpdate:
    """Cancel an open task (analysts only), with an optional reason; audited."""
    return task_add_update(task=task, actor=actor, status=TaskStatus.CANCELLED, note=note)


def tasks_raise_overdue(*, now: datetime | None = None) -> list[int]:
    """Raise one alert for each unfinished task past its due time (once per deadline);
    the alert escalates like any other. Returns the task ids."""
    now = now or timezone.now()
    raised = []
    overdue = Task.objects.filter(
        status__in=OPEN_TASK_STATUSES, due_at__lt=now, overdue_alert__isnull=True
    ).values_list("pk", flat=True)
    for task_id in overdue:
        with transaction.atomic():
            task = Task.objects.select_for_update().get(pk=task_id)
            if task.overdue_alert_id is not None:
                continue
            values = {
                "title": task.title,
                "due": date_format(timezone.localtime(task.due_at), "Y-m-d H:i"),
                "status": task.get_status_display(),
            }
            spec = AlertSpec(
                severity=TASK_PRIORITY_SEVERITY[task.priority],
                title=texts.TASK_OVERDUE_TITLE.format(**values),
                message=texts.TASK_OVERDUE_MESSAGE.format(**values),
                dedup_key=f"task:{task.pk}:overdue:{task.due_at.isoformat()}",
                source=AlertSource.TASK_OVERDUE,
                region_id=task.region_id,
                incident_ids=[task.incident_id] if task.incident_id else [],
                task_id=task.pk,
            )
            alert, _created = alert_raise(spec=spec, cooldown_minutes=0, now=now)
            task.overdue_alert = alert
            task.save(update_fields=["overdue_alert", "updated_at"])
            announce_task(task.pk)
            raised.append(task.pk)
    return raised
