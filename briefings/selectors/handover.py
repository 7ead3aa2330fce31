"""What happened in a shift, for its handover page (read before sign-off, frozen at it)."""

import datetime as dt

from django.db.models import Q, QuerySet

from briefings.models import Handover
from commands.choices import TaskStatus, TaskUpdateKind
from commands.models import Alert, Task, TaskUpdate

# Bounded lists: a summary is one page; the counts stay exact.
LIMIT = 50


def _user(user) -> str | None:
    return user.get_username() if user else None


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def shift_summary(*, start: dt.datetime, end: dt.datetime) -> dict:
    """Alerts raised and acknowledged (by whom), tasks and their outcomes, notes, in
    ``[start, end)``, as plain JSON (it is stored with the sign-off)."""
    raised = Alert.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
    acked = Alert.objects.filter(acknowledged_at__gte=start, acknowledged_at__lt=end)
    tasks = Task.objects.filter(
        Q(created_at__gte=start, created_at__lt=end)
        | Q(updates__created_at__gte=start, updates__created_at__lt=end)
    ).distinct()
    notes = TaskUpdate.objects.filter(
        kind=TaskUpdateKind.NOTE, created_at__gte=start, created_at__lt=end
    ).exclude(note="")
    return {
        "alerts_raised": raised.count(),
        "alerts_acknowledged": acked.count(),
        "alerts_resolved": Alert.objects.filter(
            resolved_at__gte=start, resolved_at__lt=end
        ).count(),
        "tasks": tasks.count(),
        "tasks_done": tasks.filter(status=TaskStatus.DONE).count(),
        "raised": [
            {
                "id": a.pk,
                "title": a.title_en,
                "title_ar": a.title_ar,
                "severity": a.severity,
                "status": a.status,
            }
            for a in raised.order_by("first_seen_at")[:LIMIT]
        ],
        "acknowledged": [
            {
                "id": a.pk,
                "title": a.title_en,
                "title_ar": a.title_ar,
                "by": _user(a.acknowledged_by),
                "via": a.acknowledged_via,
                "at": _iso(a.acknowledged_at),
            }
            for a in acked.select_related("acknowledged_by").order_by("acknowledged_at")[:LIMIT]
        ],
        "task_list": [
            {
                "id": t.pk,
                "title": t.title,
                "title_ar": t.title_ar,
                "status": t.status,
                "assignee": _user(t.assignee_user) or (t.assignee_team and t.assignee_team.slug),
            }
            for t in tasks.select_related("assignee_user", "assignee_team").order_by("id")[:LIMIT]
        ],
        "notes": [
            {"task": n.task_id, "by": _user(n.author), "at": _iso(n.created_at), "note": n.note}
            for n in notes.select_related("author").order_by("created_at")[:LIMIT]
        ],
    }


def handover_list() -> QuerySet[Handover]:
    return Handover.objects.select_related("outgoing", "incoming")
