"""``volume_window``: more than ``threshold`` incidents in scope in one region within the
last ``window_hours``."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from commands import texts
from commands.rulekinds import SCOPE_INCIDENTS, Finding, Param, RuleKindSpec, register
from commands.services.rules import rule_already_alerted, rule_in_scope
from commands.texts import named
from incidents.models import Incident


def _fresh_by_region(rule, incidents) -> dict[int | None, list]:
    by_region: dict[int | None, list] = defaultdict(list)
    seen = rule_already_alerted(rule, incidents)
    for incident in incidents:
        if incident.pk not in seen and rule_in_scope(
            rule, region_id=incident.region_id, category_id=incident.category_id
        ):
            by_region[incident.region_id].append(incident)
    return by_region


def _categories(rule) -> texts.Bilingual:
    categories = rule.categories.all()
    return texts.Bilingual(
        ", ".join(c.name_en for c in categories) or "all",
        "، ".join(c.name_ar or c.name_en for c in categories) or "الكل",
    )


def evaluate(rule, incidents, now: datetime):
    window = float(rule.param("window_hours"))
    threshold = int(rule.param("threshold"))
    category_ids = [c.pk for c in rule.categories.all()]
    for region_id, fresh in _fresh_by_region(rule, incidents).items():
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
        yield Finding(
            values={
                "count": count,
                "window": f"{window:g}",
                "region": named(fresh[0].region),
                "threshold": threshold,
                "categories": _categories(rule),
            },
            dedup={"region": region_id or "-"},
            region_id=region_id,
            category_id=category_ids[0] if len(category_ids) == 1 else None,
            incident_ids=[i.pk for i in fresh],
        )


register(
    RuleKindSpec(
        value="volume_window",
        label=gettext_lazy("Incident volume in a sliding window"),
        scope=SCOPE_INCIDENTS,
        params={
            "threshold": Param(
                int, required=True, label=gettext_lazy("More incidents than"), minimum=0
            ),
            "window_hours": Param(
                (int, float), required=True, label=gettext_lazy("Within (hours)"), minimum=0
            ),
        },
        evaluate=evaluate,
        title=texts.VOLUME_TITLE,
        message=texts.VOLUME_MESSAGE,
        horizon_hours=lambda rule: rule.param("window_hours") or 24,
    )
)
