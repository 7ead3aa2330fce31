"""The evaluation step: rolling-origin backtests of the forecasts, risk map and hotspots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.conf import settings

from analytics.core.evaluation import EvaluationParams, evaluate_frame
from analytics.core.forecasting import ForecastParams
from analytics.core.frames import load_csv
from analytics.core.gbm.model import GBMParams
from analytics.profiles import AnalyticsProfile
from analytics.selectors import incident_frame


def evaluation_params_for(
    context: AnalyticsProfile, end: pd.Timestamp, **overrides
) -> EvaluationParams:
    """Evaluation settings with the profile's holidays filled in."""
    overrides.setdefault("forecaster", context.forecaster)
    overrides.setdefault("gbm", GBMParams(threads=settings.ANALYTICS_GBM_THREADS))
    base = EvaluationParams(**overrides)
    weeks = base.weeks + base.select_weeks
    start = end - pd.Timedelta(days=base.history_days + 7 * weeks + 30)
    forecast = ForecastParams(
        **{**base.forecast.__dict__, "holidays": context.holidays(start.date(), end.date())}
    )
    return EvaluationParams(**{**base.__dict__, "forecast": forecast})


def evaluation_frame_from_db(
    context: AnalyticsProfile, *, end: pd.Timestamp, params: EvaluationParams
) -> pd.DataFrame:
    start = end - pd.Timedelta(days=params.history_days + 7 * (params.weeks + params.select_weeks))
    return incident_frame(
        region_profile=context.region_profile,
        start=start.to_pydatetime().replace(tzinfo=context.tz),
        end=end.to_pydatetime().replace(tzinfo=context.tz),
        tz=context.tz,
    )


def evaluation_frame_from_csv(context: AnalyticsProfile, path: Path) -> pd.DataFrame:
    """A source CSV read with the profile's column and category mapping, straight into the
    incident frame (for data not yet ingested, e.g. the real city data)."""
    profile = context.profile
    columns = {
        name: profile.columns[name] for name in ("occurred_at", "lat", "lon", "category", "region")
    }
    severities = {code: c.default_severity for code, c in context.categories().items()}
    return load_csv(
        path,
        columns=columns,
        categories=profile.map_category,
        region_format=profile.regions.code_format,
        severities=severities,
    )


def evaluation_run(
    *,
    context: AnalyticsProfile,
    frame: pd.DataFrame,
    end: pd.Timestamp | None = None,
    params: EvaluationParams,
) -> dict:
    """The evaluation report of ``frame`` over the weeks before ``end`` (default: the day
    after the last incident)."""
    if end is None:
        end = frame["occurred_at"].max().normalize() + pd.Timedelta(days=1)
    report = evaluate_frame(frame, projection=context.projection, end=end, params=params)
    report["profile"] = context.name
    report["metric_srid"] = context.metric_srid
    return report
