"""How tasks and alerts follow each other.

An alert has at most one open task: creating a second one is refused (409, naming the open
task). The alert's timeline records the task being created, finished or cancelled; when
the escalation policy says so (``task_done_resolves_alert``, default true), finishing the
task resolves the alert.

A task made from an alert or hotspot carries its place: the hotspot's centre, else the
latest incident's point, else a point inside the alert's region.
"""

from datetime import datetime

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point

from analytics.models import Hotspot
from commands.choices import (
    ACTIVE_ALERT_STATUSES,
    OPEN_TASK_STATUSES,
    AckVia,
    AlertEventKind,
    TaskStatus,
)
from commands.models import Alert, Task
from commands.policy import policy_task_done_resolves_alert
from commands.services.alerts import alert_resolve
from commands.services.transitions import Transition, alert_transition
from incidents.models import Region
from khareetaty.exceptions import Conflict


class AlertHasOpenTask(Conflict):
    """A task is already open for this alert: follow it instead of making another."""

    code = "alert_has_open_task"


def alert_open_task(*, alert: Alert) -> Task | None:
    """The alert's open task (assigned, accepted or in progress), if any."""
    return (
        Task.objects.filter(alert=alert, status__in=OPEN_TASK_STATUSES)
        .order_by("-created_at")
        .first()
    )


def alert_lock_for_task(*, alert: Alert) -> Alert:
    """Lock the alert and refuse when it already has an open task (``AlertHasOpenTask``,
    409, with the open task's id in ``task``)."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    existing = alert_open_task(alert=alert)
    if existing is not None:
        raise AlertHasOpenTask(
            f"Alert #{alert.pk} already has an open task (#{existing.pk}); "
            "follow that task or cancel it before creating another.",
            extra={"task": existing.pk, "alert": alert.pk},
        )
    return alert


def _point(geom) -> Point | None:
    if geom is None:
        return None
    return Point(geom.x, geom.y, srid=geom.srid)


def alert_place(*, alert: Alert) -> tuple[Point | None, int | None]:
    """Where a task made from ``alert`` should go, and the incident it stands on:
    the hotspot's centre, else the latest incident, else a point inside the region."""
    if alert.hotspot_id:
        hotspot = Hotspot.objects.filter(pk=alert.hotspot_id).only("geom", "centroid").first()
        if hotspot is not None:
            return _point(hotspot.centroid or hotspot.geom.centroid), None
    incident = alert.incidents.order_by("-occurred_at").only("geom").first()
    if incident is not None:
        return _point(incident.geom), incident.pk
    if alert.region_id:
        region = (
            Region.objects.filter(pk=alert.region_id)
            .annotate(inside=PointOnSurface("geom"))
            .only("pk")
            .first()
        )
        if region is not None:
            return _point(region.inside), None
    return None, None


def alert_task_created(*, alert: Alert, task: Task, actor, now: datetime) -> None:
    """Note on the alert's timeline that a task was made from it."""
    transition = Transition(
        event=AlertEventKind.TASK_CREATED, event_data={"task": task.pk}, advance=False
    )
    alert_transition(alert=alert, transition=transition, actor=actor, now=now)


def alert_task_finished(*, task: Task, actor, note: str, now: datetime) -> None:
    """Follow a task's end on its alert: timeline line, and resolve when the task is done
    and the policy says so (``via`` task, the field note as the resolution note)."""
    if task.alert_id is None or task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
        return
    done = task.status == TaskStatus.DONE
    transition = Transition(
        event=AlertEventKind.TASK_DONE if done else AlertEventKind.TASK_CANCELLED,
        event_data={"note": note, "task": task.pk},
        advance=False,
    )
    alert = alert_transition(alert=task.alert_id, transition=transition, actor=actor, now=now)
    if done and alert.status in ACTIVE_ALERT_STATUSES and policy_task_done_resolves_alert():
        alert_resolve(alert=alert, actor=actor, note=note, via=AckVia.TASK, now=now)
