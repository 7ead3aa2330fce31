"""Raising alerts (with deduplication and cooldown) and moving them through their states.

Every change lands on the alert's timeline (``AlertEvent``), and every change made by a
person is also in the audit trail.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from commands.choices import (
    ACTIVE_ALERT_STATUSES,
    AckVia,
    AlertEventKind,
    AlertSource,
    AlertStatus,
)
from commands.dispatch import announce_alert
from commands.models import Alert, AlertRule
from commands.services.escalation import escalation_advance_locked, escalation_start
from commands.services.timeline import alert_event
from commands.services.transitions import Transition, alert_transition
from commands.texts import Bilingual
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

_SHORT_CODE_LOCK = 7_418_270_601
_DEDUP_LOCK_NAMESPACE = 7_418_2706


@dataclass
class AlertSpec:
    """What a rule (or a person) wants raised. ``dedup_key`` names the rule and scope."""

    severity: str
    title: Bilingual
    message: Bilingual
    dedup_key: str
    source: str = AlertSource.RULE
    rule: AlertRule | None = None
    region_id: int | None = None
    category_id: int | None = None
    incident_ids: list[int] = field(default_factory=list)
    hotspot_id: int | None = None
    forecast_id: int | None = None
    task_id: int | None = None
    created_by: object = None


def _lock(*keys: int | str) -> None:
    with connection.cursor() as cursor:
        if len(keys) == 1:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [keys[0]])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", list(keys))


def _next_short_code() -> int:
    """The smallest reply code not used by an active alert (kept short for SMS replies)."""
    _lock(_SHORT_CODE_LOCK)
    used = set(
        Alert.objects.filter(
            status__in=ACTIVE_ALERT_STATUSES, short_code__isnull=False
        ).values_list("short_code", flat=True)
    )
    code = 1
    while code in used:
        code += 1
    return code


def _repeat_target(spec: AlertSpec, cooldown: timedelta, now: datetime) -> Alert | None:
    """The alert a repeat folds into: active and seen within the cooldown, or suppressed
    for a period that has not ended."""
    return (
        Alert.objects.select_for_update()
        .filter(dedup_key=spec.dedup_key)
        .filter(
            Q(status__in=ACTIVE_ALERT_STATUSES, last_seen_at__gte=now - cooldown)
            | Q(status=AlertStatus.SUPPRESSED, suppressed_until__gt=now)
        )
        .order_by("-last_seen_at")
        .first()
    )


@transaction.atomic
def alert_raise(
    *, spec: AlertSpec, cooldown_minutes: int, now: datetime | None = None
) -> tuple[Alert, bool]:
    """Raise an alert, or add to the matching one inside the cooldown.

    Returns ``(alert, created)``. A new alert gets a reply code, starts escalation from the
    active policy and fires the steps already due (usually the first) in the same
    transaction, so its notifications are queued the moment it commits.
    """
    now = now or timezone.now()
    _lock(_DEDUP_LOCK_NAMESPACE, spec.dedup_key)
    existing = _repeat_target(spec, timedelta(minutes=cooldown_minutes), now)
    if existing is not None:
        Alert.objects.filter(pk=existing.pk).update(count=F("count") + 1, last_seen_at=now)
        existing.refresh_from_db()
        if spec.incident_ids:
            existing.incidents.add(*spec.incident_ids)
        alert_event(alert=existing, kind=AlertEventKind.REPEATED, now=now, count=existing.count)
        announce_alert(existing.pk)
        return existing, False
    alert = Alert(
        source=spec.source,
        rule=spec.rule,
        severity=spec.severity,
        title_en=spec.title.en[:300],
        title_ar=spec.title.ar[:300],
        message_en=spec.message.en,
        message_ar=spec.message.ar,
        region_id=spec.region_id,
        category_id=spec.category_id,
        hotspot_id=spec.hotspot_id,
        forecast_id=spec.forecast_id,
        task_id=spec.task_id,
        dedup_key=spec.dedup_key,
        first_seen_at=now,
        last_seen_at=now,
        short_code=_next_short_code(),
        created_by=spec.created_by,
    )
    alert.full_clean()
    alert.save()
    if spec.incident_ids:
        alert.incidents.add(*spec.incident_ids)
    alert_event(alert=alert, kind=AlertEventKind.CREATED, now=now, actor=spec.created_by)
    escalation_start(alert=alert, now=now)
    escalation_advance_locked(alert=alert, now=now)
    announce_alert(alert.pk)
    return alert, True


_STATUS_AUDIT = {
    AlertStatus.ACKNOWLEDGED: "alert_acknowledge",
    AlertStatus.RESOLVED: "alert_resolve",
    AlertStatus.SUPPRESSED: "alert_suppress",
}


def _status_move(
    status: str,
    *,
    actor,
    now: datetime,
    refuse: Callable[[Alert], str | None],
    fields: dict,
    event_data: dict,
    audit_summary: dict,
) -> Transition:
    """The move of an alert to ``status``, stamped ``<status>_at`` and ``<status>_by`` (plus
    ``fields``), its timeline line named after the status, audited as ``alert_<verb>``."""
    return Transition(
        refuse=refuse,
        changes={"status": status, f"{status}_at": now, f"{status}_by": actor, **fields},
        event=AlertEventKind(status),
        event_data=event_data,
        audit=_STATUS_AUDIT[status],
        audit_summary=audit_summary,
    )


def _refuse_unless_open(alert: Alert) -> str | None:
    if alert.status == AlertStatus.OPEN:
        return None
    return f"The alert is {alert.status}; only open alerts can be acknowledged."


def alert_acknowledge(
    *, alert: Alert, actor, via: str = AckVia.API, now: datetime | None = None
) -> Alert:
    """Acknowledge an open alert; escalation stops at its next tick (or at once when the
    policy stops on acknowledgement)."""
    now = now or timezone.now()
    transition = _status_move(
        AlertStatus.ACKNOWLEDGED,
        actor=actor,
        now=now,
        refuse=_refuse_unless_open,
        fields={"acknowledged_via": via},
        event_data={"via": via},
        audit_summary={"via": via},
    )
    return alert_transition(alert=alert, transition=transition, actor=actor, now=now)


def alert_resolve(
    *, alert: Alert, actor, note: str = "", via: str = AckVia.API, now: datetime | None = None
) -> Alert:
    """Resolve an alert with an optional note; escalation stops."""
    now = now or timezone.now()
    transition = _status_move(
        AlertStatus.RESOLVED,
        actor=actor,
        now=now,
        refuse=lambda a: (
            "The alert is already resolved." if a.status == AlertStatus.RESOLVED else None
        ),
        fields={"resolution_note": note},
        event_data={"note": note, "via": via},
        audit_summary={"note": note, "via": via},
    )
    return alert_transition(alert=alert, transition=transition, actor=actor, now=now)


def _suppression_check(*, reason: str, until: datetime, now: datetime, what: str) -> None:
    """A suppression needs a reason and an end in the future (``what``: an alert, a rule)."""
    if not reason.strip():
        raise ApplicationError(f"A reason is required to suppress {what}.")
    if until <= now:
        raise ApplicationError("The suppression must end in the future.")


def alert_suppress(
    *, alert: Alert, actor, reason: str, until: datetime, now: datetime | None = None
) -> Alert:
    """Suppress an alert until ``until``: escalation stops and repeats of the same rule and
    scope fold into it instead of raising new alerts until then."""
    now = now or timezone.now()
    _suppression_check(reason=reason, until=until, now=now, what="an alert")
    transition = _status_move(
        AlertStatus.SUPPRESSED,
        actor=actor,
        now=now,
        refuse=lambda a: (
            "A resolved alert cannot be suppressed." if a.status == AlertStatus.RESOLVED else None
        ),
        fields={"suppressed_until": until, "suppressed_reason": reason},
        event_data={"note": reason, "until": until.isoformat()},
        audit_summary={"reason": reason, "until": until},
    )
    return alert_transition(alert=alert, transition=transition, actor=actor, now=now)


def _refuse_escalation(alert: Alert) -> str | None:
    if alert.status not in ACTIVE_ALERT_STATUSES:
        return f"The alert is {alert.status}; only active alerts can be escalated."
    if alert.next_step_at is None:
        return "The alert has no escalation step left."
    return None


def alert_escalate(*, alert: Alert, actor, now: datetime | None = None) -> Alert:
    """Fire the alert's next escalation step now (a manual override, audited)."""
    transition = Transition(
        refuse=_refuse_escalation,
        event=AlertEventKind.ESCALATION_FORCED,
        audit="alert_escalate",
        audit_summary=lambda a: {"step": a.next_step_index},
        force=True,
    )
    return alert_transition(
        alert=alert, transition=transition, actor=actor, now=now or timezone.now()
    )


def alert_create_manual(
    *,
    actor,
    severity: str,
    title_en: str,
    title_ar: str = "",
    message_en: str = "",
    message_ar: str = "",
    region_id: int | None = None,
    category_id: int | None = None,
    incident_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Alert:
    """Raise an alert by hand (never deduplicated), escalated like any other; audited."""
    spec = AlertSpec(
        severity=severity,
        title=Bilingual(title_en, title_ar or title_en),
        message=Bilingual(message_en, message_ar or message_en),
        dedup_key=f"manual:{uuid.uuid4()}",
        source=AlertSource.MANUAL,
        region_id=region_id,
        category_id=category_id,
        incident_ids=incident_ids or [],
        created_by=actor,
    )
    with transaction.atomic():
        alert, _created = alert_raise(spec=spec, cooldown_minutes=0, now=now)
        audit_record(
            action="alert_create_manual",
            actor=actor,
            obj=alert,
            summary={"severity": severity, "title": title_en},
        )
    return alert


@transaction.atomic
def rule_suppress(
    *, rule: AlertRule, actor, reason: str, until: datetime, now: datetime | None = None
) -> AlertRule:
    """Stop a rule from raising alerts until ``until``, with a reason (audited)."""
    now = now or timezone.now()
    _suppression_check(reason=reason, until=until, now=now, what="a rule")
    rule.suppressed_until, rule.suppressed_reason, rule.suppressed_by = until, reason, actor
    rule.save(
        update_fields=["suppressed_until", "suppressed_reason", "suppressed_by", "updated_at"]
    )
    audit_record(
        action="rule_suppress", actor=actor, obj=rule, summary={"reason": reason, "until": until}
    )
    return rule


@transaction.atomic
def rule_unsuppress(*, rule: AlertRule, actor) -> AlertRule:
    """Lift a rule's suppression early (audited)."""
    rule.suppressed_until, rule.suppressed_reason, rule.suppressed_by = None, "", None
    rule.save(
        update_fields=["suppressed_until", "suppressed_reason", "suppressed_by", "updated_at"]
    )
    audit_record(action="rule_unsuppress", actor=actor, obj=rule)
    return rule


@transaction.atomic
def rule_save(
    *, actor, rule: AlertRule | None = None, regions=None, categories=None, **fields
) -> AlertRule:
    """Create (``rule=None``) or change an alert rule, validating its parameters; audited."""
    creating = rule is None
    rule = rule or AlertRule(created_by=actor)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    if regions is not None:
        rule.regions.set(regions)
    if categories is not None:
        rule.categories.set(categories)
    audit_record(
        action="rule_create" if creating else "rule_update",
        actor=actor,
        obj=rule,
        summary={"name": rule.name, "kind": rule.kind, "fields": sorted(fields)},
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: AlertRule, actor) -> None:
    """Delete a rule; its alerts stay (their ``rule`` becomes empty). Audited."""
    audit_record(action="rule_delete", actor=actor, obj=rule, summary={"name": rule.name})
    rule.delete()
