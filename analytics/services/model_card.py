"""The model card of an analytics run: what forecast, from which data, how well against
each baseline, how calibrated, where it loses, and what it is known to get wrong."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from analytics.choices import RunKind
from analytics.models import Forecast, ForecastModel, ModelRun
from incidents.choices import IncidentChannel
from incidents.models import Incident

# English in the card's JSON; the page translates them (the msgids are in the .po files).
KNOWN_ARTEFACTS = {
    "first_of_month": gettext_noop(
        "Incidents whose day is unknown are recorded on the 1st of the month; the global model "
        "forecasts that bump (it is in the data it is scored on), Prophet masks it."
    ),
    "reporting_lag": gettext_noop(
        "Recent days are incomplete until late reports arrive; the last days before a run "
        "are slightly low, and so is the level the forecasts start from."
    ),
}


def _step(run: ModelRun, kind: str) -> ModelRun | None:
    return run.steps.filter(kind=kind).order_by("-id").first()


def _coverage(forecasts: ModelRun | None) -> dict:
    rows = Forecast.objects.filter(run=forecasts) if forecasts else Forecast.objects.none()
    regions = sorted(set(rows.exclude(region=None).values_list("region__code", flat=True)))
    categories = sorted(set(rows.exclude(category=None).values_list("category__code", flat=True)))
    return {"regions": regions, "categories": categories}


def _accuracy(evaluation: ModelRun | None) -> dict:
    counts = (evaluation.metrics or {}).get("counts", {}) if evaluation else {}
    comparison = counts.get("comparison", {})
    return {
        "reference": "trailing_28_day_mean",
        "window": (evaluation.metrics or {}).get("window") if evaluation else None,
        "methods": {
            name: {
                "skill": c.get("skill"),
                "skill_90": c.get("skill_90"),
                "wape_weekly_ratio": c.get("wape_weekly_ratio"),
            }
            for name, c in comparison.items()
        },
        "calibration": comparison.get("model", {}).get("coverage"),
        "calibration_bands": {"80": [0.78, 0.82], "95": [0.93, 0.96]},
        "calibrated": comparison.get("model", {}).get("calibrated"),
        "per_region_skill": counts.get("per_region_skill", {}),
        "choice": counts.get("choice", {}),
    }


def _patrol_share(run: ModelRun, forecasts: ModelRun | None) -> dict:
    """Share of each region's incidents in the data window that patrols found (the feedback
    loop: patrols sent where forecasts point find more there). Patrol finds are left out of
    the training data; this says how much that leaves out."""
    if forecasts is None or forecasts.window_start is None:
        return {}
    rows = (
        Incident.objects.filter(
            occurred_at__gte=forecasts.window_start, occurred_at__lt=forecasts.window_end
        )
        .exclude(region=None)
        .values("region__code")
        .annotate(total=Count("id"), patrol=Count("id", filter=Q(channel=IncidentChannel.PATROL)))
    )
    return {r["region__code"]: round(r["patrol"] / r["total"], 4) for r in rows if r["total"]}


def _category_forecasts(metrics: dict) -> dict | None:
    """How the categories were forecast: by the region x category model (modelled pairs,
    pooled "rest of region" series) or split by shares, and whether they add up."""
    info = metrics.get("categories")
    if not info:
        return None
    keys = ("modelled_series", "pooled_series", "split_series", "fallback", "coherent")
    return {key: info.get(key) for key in keys} | {"min_daily": info.get("min_daily")}


def model_card_build(*, run: ModelRun) -> dict:
    """The card of a finished chain, from its forecasts and evaluation steps."""
    forecasts = _step(run, RunKind.FORECASTS)
    evaluation = _step(run, RunKind.EVALUATION)
    metrics = (forecasts.metrics or {}) if forecasts else {}
    stored = ForecastModel.objects.filter(run=forecasts).first() if forecasts else None
    return {
        "run": run.pk,
        "profile": run.profile,
        "forecaster": metrics.get("forecaster"),
        "methods_used": metrics.get("methods", {}),
        "mix": metrics.get("blend"),
        "fallback": metrics.get("fallback", ""),
        "model": {
            "feature_version": stored.feature_version,
            "train_start": str(stored.train_start) if stored.train_start else None,
            "train_end": str(stored.train_end) if stored.train_end else None,
            "dispersion": stored.details.get("alpha"),
        }
        if stored
        else None,
        "data_window": {
            "start": forecasts.window_start.isoformat()
            if forecasts and forecasts.window_start
            else None,
            "end": forecasts.window_end.isoformat() if forecasts and forecasts.window_end else None,
        },
        "covered": _coverage(forecasts),
        "category_forecasts": _category_forecasts(metrics),
        "accuracy": _accuracy(evaluation),
        "known_artefacts": {
            **KNOWN_ARTEFACTS,
            "first_of_month_measured": metrics.get("first_of_month"),
        },
        "patrol_share": _patrol_share(run, forecasts),
    }
