"""Moving alerts along their escalation policy.

When an alert opens, the active policy for its severity is copied onto it (the snapshot).
Step ``i`` of round ``r`` fires at ``started + r * repeat.every + steps[i].after``; the
alert stores the global index of the next step and when it is due. Each fired step is an
``AlertEvent`` with a unique ``step_key`` (``r0.s1``), so a step can never fire twice, even
if two ticks race. A tick (Beat, every minute) advances every alert whose step is due.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commands.choices import AlertEventKind, AlertStatus
from commands.models import Alert, AlertEvent
from commands.policy import PolicyInvalid, policy_active
from commands.services.deliveries import deliveries_create_for_step
from commands.services.timeline import alert_event

logger = logging.getLogger(__name__)


def _fire_time(snapshot: dict, started_at: datetime, index: int) -> datetime | None:
    """When global step ``index`` is due, or None when the policy has no such step."""
    steps = snapshot.get("steps") or []
    if not steps:
        return None
    round_, step = divmod(index, len(steps))
    repeat = snapshot.get("repeat") or {}
    if round_ > (repeat.get("times") or 0):
        return None
    offset = round_ * (repeat.get("every") or 0) + steps[step]["after"]
    return started_at + timedelta(seconds=offset)


def step_key(snapshot: dict, index: int) -> str:
    round_, step = divmod(index, len(snapshot["steps"]))
    return f"r{round_}.s{step}"


def escalation_start(*, alert: Alert, now: datetime) -> None:
    """Copy the active policy for the alert's severity onto it and schedule step 0. With no
    usable policy at all (first start with a broken file) the alert is still raised, with
    an empty snapshot and the reason on its timeline, rather than lost."""
    try:
        version = policy_active()
    except PolicyInvalid as exc:
        logger.error("no usable escalation policy: %s", exc.extra)
        alert_event(
            alert=alert, kind=AlertEventKind.ESCALATION_FINISHED, now=now, reason="no_policy"
        )
        version = None
    parsed = version.parsed if version else {"severities": {}, "stop_on": []}
    severity_policy = parsed["severities"].get(alert.severity) or {"steps": []}
    alert.escalation_snapshot = {
        "policy_version": version.pk if version else None,
        "severity": alert.severity,
        "stop_on": parsed.get("stop_on", []),
        "steps": severity_policy["steps"],
        "repeat": severity_policy.get("repeat") or {"every": 0, "times": 0},
    }
    alert.escalation_started_at = now
    alert.next_step_index = 0
    alert.next_step_at = _fire_time(alert.escalation_snapshot, now, 0)
    if alert.next_step_at is None:
        alert.escalation_finished_at = now
    alert.save(
        update_fields=[
            "escalation_snapshot",
            "escalation_started_at",
            "next_step_index",
            "next_step_at",
            "escalation_finished_at",
        ]
    )


def _stopped(alert: Alert) -> bool:
    if alert.status in (AlertStatus.RESOLVED, AlertStatus.SUPPRESSED):
        return True
    stop_on = (alert.escalation_snapshot or {}).get("stop_on", [])
    return alert.status in stop_on


def _finish(alert: Alert, now: datetime, reason: str) -> None:
    alert.next_step_at = None
    alert.escalation_finished_at = now
    alert.save(update_fields=["next_step_at", "escalation_finished_at", "updated_at"])
    alert_event(alert=alert, kind=AlertEventKind.ESCALATION_FINISHED, now=now, reason=reason)


def _fire_step(alert: Alert, now: datetime, *, forced: bool) -> None:
    snapshot = alert.escalation_snapshot
    index = alert.next_step_index
    key = step_key(snapshot, index)
    step = snapshot["steps"][index % len(snapshot["steps"])]
    scheduled = alert.next_step_at
    # The unique (alert, step_key) constraint is the last line of defence against a
    # double fire; the row lock taken by the caller makes it unreachable in practice.
    with transaction.atomic():
        created = not AlertEvent.objects.filter(alert=alert, step_key=key).exists()
        if created:
            AlertEvent.objects.create(
                alert=alert,
                kind=AlertEventKind.ESCALATION_STEP,
                at=now,
                step_key=key,
                scheduled_at=scheduled,
                data={"step": step, "forced": forced},
            )
            deliveries_create_for_step(alert=alert, step=step, step_key=key, now=now)
    alert.next_step_index = index + 1
    alert.next_step_at = _fire_time(snapshot, alert.escalation_started_at, index + 1)


def escalation_advance_locked(*, alert: Alert, now: datetime, force: bool = False) -> int:
    """Fire every step of ``alert`` due at ``now`` (and one more when ``force``). The caller
    holds the alert's row lock. Returns the number of steps fired."""
    if alert.escalation_snapshot is None or alert.escalation_finished_at is not None:
        return 0
    if _stopped(alert):
        _finish(alert, now, reason=alert.status)
        return 0
    fired = 0
    while alert.next_step_at is not None and (alert.next_step_at <= now or (force and not fired)):
        _fire_step(alert, now, forced=force and alert.next_step_at > now)
        fired += 1
    if alert.next_step_at is None:
        _finish(alert, now, reason="policy_complete")
    elif fired:
        alert.save(update_fields=["next_step_index", "next_step_at", "updated_at"])
    return fired


@transaction.atomic
def escalation_advance(*, alert_id: int, now: datetime | None = None) -> int:
    """Advance one alert (locks its row). Safe to call twice for the same ``now``."""
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        logger.warning("escalation_advance: alert %s is gone", alert_id)
        return 0
    return escalation_advance_locked(alert=alert, now=now)


def escalation_due_ids(*, now: datetime) -> list[int]:
    """Alerts whose next step is due, and stopped alerts whose escalation is still marked
    running (so acknowledgement is recorded as the end of escalation)."""
    return list(
        Alert.objects.filter(escalation_finished_at__isnull=True, next_step_at__isnull=False)
        .filter(Q(next_step_at__lte=now) | ~Q(status=AlertStatus.OPEN))
        .order_by("next_step_at")
        .values_list("pk", flat=True)
    )


def escalation_tick(*, now: datetime | None = None) -> int:
    """Advance every alert with a due step; each alert in its own transaction so one
    failure cannot hold up the others. Returns the number of steps fired."""
    now = now or timezone.now()
    fired = 0
    for alert_id in escalation_due_ids(now=now):
        try:
            fired += escalation_advance(alert_id=alert_id, now=now)
        except Exception:
            logger.exception("escalation of alert %s failed", alert_id)
    return fired
