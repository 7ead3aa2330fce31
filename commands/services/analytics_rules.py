"""Evaluating the analytics rules (forecast spike, hotspot) at the end of the analytics
chain (``analytics.signals.run_finished``). ``run_id`` is the pipeline run; its hotspots
and forecasts hang off its step runs (``parent``)."""

import logging
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from analytics.models import Forecast, Hotspot, ModelRun
from commands import texts
from commands.choices import ANALYTICS_RULE_KINDS, RuleKind
from commands.models import Alert, AlertRule
from commands.services.alerts import AlertSpec, alert_raise
from commands.services.rules import ANY_CATEGORY, rule_in_scope, rules_active
from commands.texts import Bilingual, named
from incidents.models import Incident

logger = logging.getLogger(__name__)
DEFAULT_TRENDS = ("new", "intensifying")


def _of_run(run_id: int) -> Q:
    return Q(run_id=run_id) | Q(run__parent_id=run_id)


def _hotspot_categories_match(rule: AlertRule, hotspot: Hotspot) -> bool:
    categories = list(rule.categories.all())
    if not categories:
        return True
    breakdown = hotspot.category_breakdown or {}
    keys = {c.code for c in categories} | {str(c.pk) for c in categories}
    return any(int(breakdown.get(key, 0)) > 0 for key in keys)


def _evaluate_hotspots(rule: AlertRule, run_id: int, now: datetime) -> list[int]:
    trends = rule.param("trends") or list(DEFAULT_TRENDS)
    min_score = rule.param("min_score")
    hotspots = Hotspot.objects.filter(_of_run(run_id), trend__in=trends).select_related("region")
    if min_score is not None:
        hotspots = hotspots.filter(score__gte=min_score)
    raised = []
    for hotspot in hotspots.order_by("rank"):
        if not rule_in_scope(rule, region_id=hotspot.region_id, category_id=ANY_CATEGORY):
            continue
        if not _hotspot_categories_match(rule, hotspot):
            continue
        trend = texts.HOTSPOT_TRENDS.get(hotspot.trend, Bilingual(hotspot.trend, hotspot.trend))
        values = {
            "trend": trend,
            "Trend": Bilingual(trend.en.capitalize(), trend.ar),
            "region": named(hotspot.region),
            "score": texts.score(hotspot.score),
        }
        spec = AlertSpec(
            severity=rule.severity,
            title=texts.HOTSPOT_TITLE.format(**values),
            message=texts.HOTSPOT_MESSAGE.format(**values),
            dedup_key=f"rule:{rule.pk}:hotspot:{hotspot.track}",
            rule=rule,
            region_id=hotspot.region_id,
            hotspot_id=hotspot.pk,
        )
        alert, _created = alert_raise(spec=spec, cooldown_minutes=rule.cooldown_minutes, now=now)
        raised.append(alert.pk)
    return raised


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


def _forecasts(rule: AlertRule, run_id: int, today: date) -> list[Forecast]:
    horizon = int(rule.param("horizon_days", 1))
    forecasts = Forecast.objects.filter(
        _of_run(run_id),
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


def _evaluate_forecasts(rule: AlertRule, run_id: int, now: datetime) -> list[int]:
    days = int(rule.param("baseline_days", 28))
    raised = []
    for forecast in _forecasts(rule, run_id, timezone.localdate(now)):
        baseline = _baseline(forecast.region_id, forecast.category_id, days, now)
        if not forecast_is_spike(
            yhat=forecast.yhat,
            baseline=baseline,
            percent_above=rule.param("percent_above"),
            min_count=rule.param("min_count"),
        ):
            continue
        values = {
            "region": named(forecast.region),
            "category": named(forecast.category, "all categories", "كل الفئات"),
            "yhat": f"{forecast.yhat:.1f}",
            "baseline": f"{baseline:.1f}",
            "date": forecast.date.isoformat(),
        }
        spec = AlertSpec(
            severity=rule.severity,
            title=texts.FORECAST_TITLE.format(**values),
            message=texts.FORECAST_MESSAGE.format(**values),
            dedup_key=f"rule:{rule.pk}:region:{forecast.region_id}:category:{forecast.category_id or '-'}",
            rule=rule,
            region_id=forecast.region_id,
            category_id=forecast.category_id,
            forecast_id=forecast.pk,
        )
        alert, _created = alert_raise(spec=spec, cooldown_minutes=rule.cooldown_minutes, now=now)
        raised.append(alert.pk)
    return raised


_EVALUATORS = {RuleKind.HOTSPOT: _evaluate_hotspots, RuleKind.FORECAST_SPIKE: _evaluate_forecasts}


def rules_evaluate_analytics(*, run_id: int, now: datetime | None = None) -> list[Alert]:
    """Evaluate the forecast-spike and hotspot rules against one analytics run."""
    now = now or timezone.now()
    if not ModelRun.objects.filter(pk=run_id).exists():
        logger.warning("analytics run %s is gone; no rules evaluated", run_id)
        return []
    alert_ids: list[int] = []
    for rule in rules_active(kinds=ANALYTICS_RULE_KINDS, now=now):
        try:
            alert_ids.extend(_EVALUATORS[rule.kind](rule, run_id, now))
        except Exception:
            logger.exception("alert rule %s (%s) failed", rule.pk, rule.kind)
    return list(Alert.objects.filter(pk__in=set(alert_ids)).order_by("pk"))
