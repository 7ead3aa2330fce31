"""``critical_incident``: an incident in scope with ``severity >= min_severity`` (5 when the
rule lists no categories; any severity when it does) that occurred within
``max_age_hours`` (24): a backfilled old record is history, not an emergency."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commands import texts
from commands.rulekinds import SCOPE_INCIDENTS, Finding, Param, RuleKindSpec, register
from commands.services.rules import rule_already_alerted, rule_in_scope
from commands.texts import named


def _matches(rule, incident, now: datetime) -> bool:
    max_age = timedelta(hours=rule.param("max_age_hours", 24))
    if incident.occurred_at < now - max_age:
        return False
    min_severity = rule.param("min_severity")
    if min_severity is None and not rule.categories.all():
        min_severity = 5
    return min_severity is None or incident.severity >= min_severity


def evaluate(rule, incidents, now: datetime):
    seen = rule_already_alerted(rule, incidents)
    for incident in incidents:
        if incident.pk in seen or not _matches(rule, incident, now):
            continue
        if not rule_in_scope(rule, region_id=incident.region_id, category_id=incident.category_id):
            continue
        category = {"category": incident.category_id} if incident.category_id else {}
        yield Finding(
            values={
                "category": named(incident.category),
                "region": named(incident.region),
                "severity": incident.severity,
                "when": date_format(timezone.localtime(incident.occurred_at), "Y-m-d H:i"),
            },
            dedup={"region": incident.region_id or "-", **category},
            region_id=incident.region_id,
            category_id=incident.category_id,
            incident_ids=[incident.pk],
        )


def _check(params: dict) -> list[str]:
    min_severity = params.get("min_severity")
    if isinstance(min_severity, int) and not 1 <= min_severity <= 5:
        return [_("min_severity must be between 1 and 5.")]
    return []


register(
    RuleKindSpec(
        value="critical_incident",
        label=gettext_lazy("Incident of a critical category or severity"),
        scope=SCOPE_INCIDENTS,
        params={
            "min_severity": Param(
                int, label=gettext_lazy("Minimum incident severity"), minimum=1, maximum=5
            ),
            "max_age_hours": Param(
                (int, float), label=gettext_lazy("Ignore incidents older than (hours)"), minimum=0
            ),
        },
        evaluate=evaluate,
        title=texts.CRITICAL_INCIDENT_TITLE,
        message=texts.CRITICAL_INCIDENT_MESSAGE,
        check=_check,
        horizon_hours=lambda rule: rule.param("max_age_hours") or 24,
    )
)
