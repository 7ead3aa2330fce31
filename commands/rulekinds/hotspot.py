"""``hotspot``: a hotspot of the analytics run whose trend is in ``trends`` (new,
intensifying) and whose score is at least ``min_score``."""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import Hotspot
from commands import texts
from commands.rulekinds import SCOPE_ANALYTICS_RUN, Finding, Param, RuleKindSpec, register
from commands.services.rules import ANY_CATEGORY, of_analytics_run, rule_in_scope
from commands.texts import Bilingual, named

DEFAULT_TRENDS = ("new", "intensifying")
TRENDS = ("new", "intensifying", "persistent", "diminishing")


def _categories_match(rule, hotspot: Hotspot) -> bool:
    categories = list(rule.categories.all())
    if not categories:
        return True
    breakdown = hotspot.category_breakdown or {}
    keys = {c.code for c in categories} | {str(c.pk) for c in categories}
    return any(int(breakdown.get(key, 0)) > 0 for key in keys)


def evaluate(rule, run_id: int, now: datetime):
    trends = rule.param("trends") or list(DEFAULT_TRENDS)
    min_score = rule.param("min_score")
    hotspots = Hotspot.objects.filter(of_analytics_run(run_id), trend__in=trends).select_related(
        "region"
    )
    if min_score is not None:
        hotspots = hotspots.filter(score__gte=min_score)
    for hotspot in hotspots.order_by("rank"):
        if not rule_in_scope(rule, region_id=hotspot.region_id, category_id=ANY_CATEGORY):
            continue
        if not _categories_match(rule, hotspot):
            continue
        trend = texts.HOTSPOT_TRENDS.get(hotspot.trend, Bilingual(hotspot.trend, hotspot.trend))
        yield Finding(
            values={
                "trend": trend,
                "Trend": Bilingual(trend.en.capitalize(), trend.ar),
                "region": named(hotspot.region),
                "score": texts.score(hotspot.score),
            },
            dedup={"hotspot": hotspot.track},
            region_id=hotspot.region_id,
            hotspot_id=hotspot.pk,
        )


def _check(params: dict) -> list[str]:
    trends = params.get("trends")
    unknown = set(trends if isinstance(trends, list) else []) - set(TRENDS)
    return [_("Unknown trends: %s.") % ", ".join(sorted(unknown))] if unknown else []


register(
    RuleKindSpec(
        value="hotspot",
        label=gettext_lazy("New or intensifying hotspot"),
        scope=SCOPE_ANALYTICS_RUN,
        params={
            "trends": Param(list, label=gettext_lazy("Trends"), choices=TRENDS),
            "min_score": Param((int, float), label=gettext_lazy("Minimum score"), minimum=0),
        },
        evaluate=evaluate,
        title=texts.HOTSPOT_TITLE,
        message=texts.HOTSPOT_MESSAGE,
        check=_check,
    )
)
