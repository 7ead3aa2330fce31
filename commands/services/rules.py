"""Evaluating the incident-level rules right after incidents arrive.

``rules_evaluate_incidents`` runs on the ``alerts`` queue within a second of an accepted
batch or an API-created incident. Each rule is evaluated in its own transaction: one bad
rule is logged and skipped, it never stops the others.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from commands import texts
from commands.choices import INCIDENT_RULE_KINDS, RuleKind
from commands.models import Alert, AlertRule
from commands.services.alerts import AlertSpec, alert_raise
from commands.texts import named
from incidents.models import Incident

logger = logging.getLogger(__name__)
ANY_CATEGORY = object()


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


def _dedup_key(rule: AlertRule, region_id, category_id=None) -> str:
    key = f"rule:{rule.pk}:region:{region_id or '-'}"
    return f"{key}:category:{category_id}" if category_id else key


def _critical_matches(rule: AlertRule, incident: Incident, now: datetime) -> bool:
    max_age = timedelta(hours=rule.param("max_age_hours", 24))
    if incident.occurred_at < now - max_age:
        return False  # a backfilled old record is history, not an emergency
    min_severity = rule.param("min_severity")
    if min_severity is None and not rule.categories.all():
        min_severity = 5
    return min_severity is None or incident.severity >= min_severity


def _already_alerted(rule: AlertRule, incidents: list[Incident]) -> set[int]:
    """Incidents this rule has already alerted on: a re-run of the same evaluation (a
    redelivered task) must not count them twice."""
    return set(
        Alert.incidents.through.objects.filter(
            alert__rule=rule, incident_id__in=[i.pk for i in incidents]
        ).values_list("incident_id", flat=True)
    )


def _evaluate_critical(rule: AlertRule, incidents: list[Incident], now: datetime) -> list[int]:
    raised = []
    seen = _already_alerted(rule, incidents)
    for incident in incidents:
        if incident.pk in seen:
            continue
        if not rule_in_scope(rule, region_id=incident.region_id, category_id=incident.category_id):
            continue
        if not _critical_matches(rule, incident, now):
            continue
        values = {
            "category": named(incident.category),
            "region": named(incident.region),
            "severity": incident.severity,
            "when": date_format(timezone.localtime(incident.occurred_at), "Y-m-d H:i"),
        }
        spec = AlertSpec(
            severity=rule.severity,
            title=texts.CRITICAL_INCIDENT_TITLE.format(**values),
            message=texts.CRITICAL_INCIDENT_MESSAGE.format(**values),
            dedup_key=_dedup_key(rule, incident.region_id, incident.category_id),
            rule=rule,
            region_id=incident.region_id,
            category_id=incident.category_id,
            incident_ids=[incident.pk],
        )
        alert, _created = alert_raise(spec=spec, cooldown_minutes=rule.cooldown_minutes, now=now)
        raised.append(alert.pk)
    return raised


def _evaluate_volume(rule: AlertRule, incidents: list[Incident], now: datetime) -> list[int]:
    window = float(rule.param("window_hours"))
    threshold = int(rule.param("threshold"))
    by_region: dict[int | None, list[Incident]] = defaultdict(list)
    seen = _already_alerted(rule, incidents)
    for incident in incidents:
        if incident.pk not in seen and rule_in_scope(
            rule, region_id=incident.region_id, category_id=incident.category_id
        ):
            by_region[incident.region_id].append(incident)
    category_ids = [c.pk for c in rule.categories.all()]
    raised = []
    for region_id, fresh in by_region.items():
        in_window = Incident.objects.filter(
            region_id=region_id,
            occurred_at__gte=now - timedelta(hours=window),
            occurred_at__lte=now,
        )
        if category_ids:
            in_window = in_window.filter(category_id__in=category_ids)
        count = in_window.count()
        if count <= threshold:
            continue
        region = fresh[0].region
        categories = ", ".join(c.name_en for c in rule.categories.all()) or "all"
        categories_ar = "، ".join(c.name_ar or c.name_en for c in rule.categories.all()) or "الكل"
        values = {
            "count": count,
            "window": f"{window:g}",
            "region": named(region),
            "threshold": threshold,
            "categories": texts.Bilingual(categories, categories_ar),
        }
        spec = AlertSpec(
            severity=rule.severity,
            title=texts.VOLUME_TITLE.format(**values),
            message=texts.VOLUME_MESSAGE.format(**values),
            dedup_key=_dedup_key(rule, region_id),
            rule=rule,
            region_id=region_id,
            category_id=category_ids[0] if len(category_ids) == 1 else None,
            incident_ids=[i.pk for i in fresh],
        )
        alert, _created = alert_raise(spec=spec, cooldown_minutes=rule.cooldown_minutes, now=now)
        raised.append(alert.pk)
    return raised


_INCIDENT_EVALUATORS = {
    RuleKind.CRITICAL_INCIDENT: _evaluate_critical,
    RuleKind.VOLUME_WINDOW: _evaluate_volume,
}


def rules_evaluate_incidents(
    *, incident_ids: list[int], now: datetime | None = None
) -> list[Alert]:
    """Evaluate every active incident-level rule against the given incidents; returns the
    alerts raised or repeated (each alert once)."""
    now = now or timezone.now()
    incidents = list(
        Incident.objects.filter(pk__in=incident_ids).select_related("category", "region")
    )
    if not incidents:
        return []
    alert_ids: list[int] = []
    for rule in rules_active(kinds=INCIDENT_RULE_KINDS, now=now):
        try:
            alert_ids.extend(_INCIDENT_EVALUATORS[rule.kind](rule, incidents, now))
        except Exception:
            logger.exception("alert rule %s (%s) failed", rule.pk, rule.kind)
    return list(Alert.objects.filter(pk__in=set(alert_ids)).order_by("pk"))


def rules_evaluate_batch(*, batch_id: int, now: datetime | None = None) -> list[Alert]:
    """Evaluate the incident rules against a large accepted batch, reading only incidents
    recent enough for any rule to care about."""
    now = now or timezone.now()
    rules = list(rules_active(kinds=INCIDENT_RULE_KINDS, now=now))
    if not rules:
        return []
    horizon = max(float(r.param("max_age_hours") or r.param("window_hours") or 24) for r in rules)
    ids = list(
        Incident.objects.filter(
            raw__batch_id=batch_id, occurred_at__gte=now - timedelta(hours=horizon)
        ).values_list("pk", flat=True)
    )
    return rules_evaluate_incidents(incident_ids=ids, now=now)
