"""Evaluating alert rules: one loop for every kind (``commands.rulekinds``).

Incident-level kinds run on the ``alerts`` queue within a second of an accepted batch or an
API-created incident; the analytics kinds at the end of the analytics chain
(``analytics.signals.run_finished``). One failing rule is logged and skipped; it never
stops the others.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from analytics.models import ModelRun
from commands.models import Alert, AlertRule
from commands.rulekinds import (
    SCOPE_ANALYTICS_RUN,
    SCOPE_INCIDENTS,
    Finding,
    RuleKindSpec,
    rule_kind,
    rule_kinds_of,
)
from commands.services.alerts import AlertSpec, alert_raise
from incidents.models import Incident

logger = logging.getLogger(__name__)
ANY_CATEGORY = object()
DEFAULT_HORIZON_HOURS = 24


def rules_active(*, kinds, now: datetime) -> QuerySet[AlertRule]:
    """Active rules of ``kinds`` that are not suppressed at ``now``."""
    return (
        AlertRule.objects.filter(is_active=True, kind__in=kinds)
        .filter(Q(suppressed_until__isnull=True) | Q(suppressed_until__lte=now))
        .prefetch_related("regions", "categories")
        .order_by("pk")
    )


def rule_in_scope(rule: AlertRule, *, region_id: int | None, category_id: object = None) -> bool:
    """Empty scope lists mean "all"; a rule scoped to regions never matches unplaced rows.
    Pass ``category_id=ANY_CATEGORY`` to check the region only."""
    region_ids = {r.pk for r in rule.regions.all()}
    category_ids = {c.pk for c in rule.categories.all()}
    if region_ids and region_id not in region_ids:
        return False
    if category_id is ANY_CATEGORY:
        return True
    return not (category_ids and category_id not in category_ids)


def rule_dedup_key(rule: AlertRule, parts: dict) -> str:
    """``rule:<pk>`` then ``:<name>:<value>`` for each part: one rule and scope, one key."""
    return f"rule:{rule.pk}" + "".join(f":{name}:{value}" for name, value in parts.items())


def of_analytics_run(run_id: int) -> Q:
    """Rows of the analytics chain ``run_id``: they hang off its step runs (``parent``)."""
    return Q(run_id=run_id) | Q(run__parent_id=run_id)


def rule_already_alerted(rule: AlertRule, incidents: list[Incident]) -> set[int]:
    """Incidents this rule has already alerted on: a re-run of the same evaluation (a
    redelivered task) must not count them twice."""
    return set(
        Alert.incidents.through.objects.filter(
            alert__rule=rule, incident_id__in=[i.pk for i in incidents]
        ).values_list("incident_id", flat=True)
    )


def _alert_spec(rule: AlertRule, kind: RuleKindSpec, finding: Finding) -> AlertSpec:
    return AlertSpec(
        severity=rule.severity,
        title=kind.title.format(**finding.values),
        message=kind.message.format(**finding.values),
        dedup_key=rule_dedup_key(rule, finding.dedup),
        rule=rule,
        region_id=finding.region_id,
        category_id=finding.category_id,
        incident_ids=finding.incident_ids,
        hotspot_id=finding.hotspot_id,
        forecast_id=finding.forecast_id,
    )


def rule_evaluate(*, rule: AlertRule, subject, now: datetime) -> list[int]:
    """Raise (or repeat) an alert for each finding of one rule; returns the alert ids."""
    kind = rule_kind(rule.kind)
    raised = []
    for finding in kind.evaluate(rule, subject, now):
        spec = _alert_spec(rule, kind, finding)
        alert, _created = alert_raise(spec=spec, cooldown_minutes=rule.cooldown_minutes, now=now)
        raised.append(alert.pk)
    return raised


def rules_evaluate(*, scope: str, subject, now: datetime) -> list[Alert]:
    """Evaluate every active rule of the kinds of ``scope`` against ``subject``; returns the
    alerts raised or repeated (each alert once)."""
    alert_ids: list[int] = []
    kinds = [k.value for k in rule_kinds_of(scope)]
    for rule in rules_active(kinds=kinds, now=now):
        try:
            alert_ids.extend(rule_evaluate(rule=rule, subject=subject, now=now))
        except Exception:
            logger.exception("alert rule %s (%s) failed", rule.pk, rule.kind)
    return list(Alert.objects.filter(pk__in=set(alert_ids)).order_by("pk"))


def rules_evaluate_incidents(
    *, incident_ids: list[int], now: datetime | None = None
) -> list[Alert]:
    """Evaluate the incident-level rules against the given incidents."""
    now = now or timezone.now()
    incidents = list(
        Incident.objects.filter(pk__in=incident_ids).select_related("category", "region")
    )
    if not incidents:
        return []
    return rules_evaluate(scope=SCOPE_INCIDENTS, subject=incidents, now=now)


def _horizon_hours(rule: AlertRule) -> float:
    kind = rule_kind(rule.kind)
    return float(kind.horizon_hours(rule) if kind.horizon_hours else DEFAULT_HORIZON_HOURS)


def rules_evaluate_batch(*, batch_id: int, now: datetime | None = None) -> list[Alert]:
    """Evaluate the incident rules against a large accepted batch, reading only incidents
    recent enough for any rule to care about."""
    now = now or timezone.now()
    kinds = [k.value for k in rule_kinds_of(SCOPE_INCIDENTS)]
    rules = list(rules_active(kinds=kinds, now=now))
    if not rules:
        return []
    horizon = max(_horizon_hours(rule) for rule in rules)
    ids = list(
        Incident.objects.filter(
            raw__batch_id=batch_id, occurred_at__gte=now - timedelta(hours=horizon)
        ).values_list("pk", flat=True)
    )
    return rules_evaluate_incidents(incident_ids=ids, now=now)


def rules_evaluate_analytics(*, run_id: int, now: datetime | None = None) -> list[Alert]:
    """Evaluate the analytics rules (forecast spike, hotspot) against one analytics run."""
    now = now or timezone.now()
    if not ModelRun.objects.filter(pk=run_id).exists():
        logger.warning("analytics run %s is gone; no rules evaluated", run_id)
        return []
    return rules_evaluate(scope=SCOPE_ANALYTICS_RUN, subject=run_id, now=now)
