"""``forecast_spike``: a region's forecast for the next ``horizon_days`` (1) above its
baseline (mean daily count over ``baseline_days``, 28) by ``percent_above`` percent, or
above ``min_count`` a day."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import Forecast
from commands import texts
from commands.rulekinds import SCOPE_ANALYTICS_RUN, Finding, Param, RuleKindSpec, register
from commands.services.rules import of_analytics_run, rule_in_scope
from commands.texts import named
from incidents.models import Incident


def _baseline(region_id: int, category_id: int | None, days: int, now: datetime) -> float:
    """Mean incidents a day in the region (and category) over the last ``days`` days."""
    incidents = Incident.objects.filter(
        region_id=region_id, occurred_at__gte=now - timedelta(days=days), occurred_at__lt=now
    )
    if category_id:
        incidents = incidents.filter(category_id=category_id)
    return incidents.count() / days


def forecast_is_spike(*, yhat: float, baseline: float, percent_above, min_count) -> bool:
    """Above ``min_count`` a day, or above the baseline by ``percent_above`` percent."""
    if min_count is not None and yhat > float(min_count):
        return True
    return (
        bool(percent_above) and baseline > 0 and yhat > baseline * (1 + float(percent_above) / 100)
    )


def _peaks(rule, run_id: int, today: date) -> list[Forecast]:
    """The highest forecast of each (region, category) in scope within the horizon."""
    horizon = int(rule.param("horizon_days", 1))
    forecasts = Forecast.objects.filter(
        of_analytics_run(run_id),
        region__isnull=False,
        date__gte=today,
        date__lt=today + timedelta(days=horizon),
    ).select_related("region", "category")
    category_ids = [c.pk for c in rule.categories.all()]
    forecasts = (
        forecasts.filter(category_id__in=category_ids)
        if category_ids
        else forecasts.filter(category__isnull=True)
    )
    peaks: dict[tuple, Forecast] = {}
    for forecast in forecasts:
        if not rule_in_scope(rule, region_id=forecast.region_id, category_id=forecast.category_id):
            continue
        key = (forecast.region_id, forecast.category_id)
        if key not in peaks or forecast.yhat > peaks[key].yhat:
            peaks[key] = forecast
    return list(peaks.values())


def evaluate(rule, run_id: int, now: datetime):
    days = int(rule.param("baseline_days", 28))
    for forecast in _peaks(rule, run_id, timezone.localdate(now)):
        baseline = _baseline(forecast.region_id, forecast.category_id, days, now)
        if not forecast_is_spike(
            yhat=forecast.yhat,
            baseline=baseline,
            percent_above=rule.param("percent_above"),
            min_count=rule.param("min_count"),
        ):
            continue
        yield Finding(
            values={
                "region": named(forecast.region),
                "category": named(forecast.category, "all categories", "كل الفئات"),
                "yhat": f"{forecast.yhat:.1f}",
                "baseline": f"{baseline:.1f}",
                "date": forecast.date.isoformat(),
            },
            dedup={"region": forecast.region_id, "category": forecast.category_id or "-"},
            region_id=forecast.region_id,
            category_id=forecast.category_id,
            forecast_id=forecast.pk,
        )


def _check(params: dict) -> list[str]:
    if params.get("percent_above") or params.get("min_count"):
        return []
    return [_("Set percent_above or min_count.")]


register(
    RuleKindSpec(
        value="forecast_spike",
        label=gettext_lazy("Forecast spike above baseline"),
        scope=SCOPE_ANALYTICS_RUN,
        params={
            "percent_above": Param(
                (int, float), label=gettext_lazy("Percent above the baseline"), minimum=0
            ),
            "min_count": Param((int, float), label=gettext_lazy("Or more than (a day)"), minimum=0),
            "baseline_days": Param(int, label=gettext_lazy("Baseline (days)"), minimum=1),
            "horizon_days": Param(int, label=gettext_lazy("Look ahead (days)"), minimum=1),
        },
        evaluate=evaluate,
        title=texts.FORECAST_TITLE,
        message=texts.FORECAST_MESSAGE,
        check=_check,
    )
)
