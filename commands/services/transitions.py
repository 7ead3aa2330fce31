"""One way to move an alert: lock → check → save → timeline → audit → escalation → announce.

Every change of an alert's state (acknowledge, resolve, suppress, escalate) and every
task-link note goes through ``alert_transition``, so none can forget the lock, the
timeline line, the audit record, escalation's reaction or the live announcement.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from commands.dispatch import announce_alert
from commands.models import Alert
from commands.services.escalation import escalation_advance_locked
from commands.services.timeline import alert_event
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import Conflict


@dataclass
class Transition:
    """What one move does. ``refuse`` returns why the (locked) alert may not move, or None;
    ``changes`` are the fields saved; ``event`` and ``event_data`` the timeline line;
    ``audit`` the audit action (none for system notes) with ``audit_summary`` (a dict, or
    a function of the locked alert); ``advance`` lets escalation react (``force`` fires the
    next step now)."""

    event: str
    refuse: Callable[[Alert], str | None] = lambda alert: None
    changes: dict = field(default_factory=dict)
    event_data: dict = field(default_factory=dict)
    audit: str | None = None
    audit_summary: dict | Callable[[Alert], dict] | None = None
    advance: bool = True
    force: bool = False


@transaction.atomic
def alert_transition(*, alert: Alert | int, transition: Transition, actor, now: datetime) -> Alert:
    """Apply ``transition`` to the alert under its row lock; ``Conflict`` when refused."""
    alert = Alert.objects.select_for_update().get(pk=getattr(alert, "pk", alert))
    reason = transition.refuse(alert)
    if reason:
        raise Conflict(reason)
    if transition.changes:
        for name, value in transition.changes.items():
            setattr(alert, name, value)
        alert.save(update_fields=[*transition.changes, "updated_at"])
    alert_event(alert=alert, kind=transition.event, now=now, actor=actor, **transition.event_data)
    if transition.audit:
        summary = transition.audit_summary
        summary = summary(alert) if callable(summary) else summary
        audit_record(action=transition.audit, actor=actor, obj=alert, summary=summary)
    if transition.advance:
        escalation_advance_locked(alert=alert, now=now, force=transition.force)
    announce_alert(alert.pk)
    return alert
