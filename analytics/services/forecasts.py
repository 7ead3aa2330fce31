"""Forecasts for one run: per region, national, and per region x category, stored as rows."""

from __future__ import annotations

import pandas as pd
from django.db import transaction

from analytics.core.backtest import daily_matrix
from analytics.core.forecasting import (
    PROPHET,
    SIMPLE,
    ForecastParams,
    first_of_month_excess,
    forecast_many,
)
from analytics.core.gbm.hierarchy import rescale_coherent
from analytics.core.methods import GBM_FORECASTER, PROPHET_FORECASTER
from analytics.models import Forecast, ModelRun
from analytics.profiles import AnalyticsProfile
from analytics.services.forecasts_gbm import gbm_forecast_rows
from analytics.services.steps import run_window_save

NATIONAL = "__all__"


def forecast_params_for(
    context: AnalyticsProfile, daily_total: pd.Series, base: ForecastParams
) -> tuple[ForecastParams, dict]:
    """The profile's holidays, plus the 1st-of-month days masked when the artefact is found."""
    start, end = daily_total.index[0].date(), daily_total.index[-1].date() + pd.Timedelta(days=30)
    artefact = first_of_month_excess(daily_total)
    masked = tuple(d.date() for d in daily_total.index if d.day == 1) if artefact["flagged"] else ()
    params = ForecastParams(
        **{**base.__dict__, "holidays": context.holidays(start, end), "masked_dates": masked}
    )
    return params, artefact


def forecasts_generate(
    *,
    run: ModelRun,
    context: AnalyticsProfile,
    frame: pd.DataFrame,
    end: pd.Timestamp,
    history_days: int = 3 * 365,
    base: ForecastParams | None = None,
    workers: int | None = None,
) -> dict:
    """Fit every series on the ``history_days`` before ``end`` and store the ``horizon`` days
    from ``end``. A failing series is reported in the metrics and the others are stored."""
    base = base or ForecastParams()
    start = end - pd.Timedelta(days=history_days)
    frame = frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < end)]
    first_day = (
        max(start, frame["occurred_at"].min().floor("D"))
        if len(frame)
        else end - pd.Timedelta(days=28)
    )
    national = daily_matrix(frame["occurred_at"], None, start=first_day, end=end)["total"]
    params, artefact = forecast_params_for(context, national, base)
    if context.forecaster == GBM_FORECASTER:
        metrics = gbm_forecast_rows(
            run=run,
            frame=frame,
            first_day=first_day,
            end=end,
            holidays=params.holidays,
            regions=context.regions(),
            categories=context.categories(),
        )
        run_window_save(run=run, start=first_day, end=end, tz=context.tz)
        return {**metrics, "first_of_month": artefact, "horizon_days": params.horizon}
    series: dict = {(NATIONAL, None): national}
    regional = daily_matrix(frame["occurred_at"], frame["region"], start=first_day, end=end)
    for code in regional.columns:
        series[(code, None)] = regional[code]
    pairs = daily_matrix(
        frame["occurred_at"], frame["region"] + "\x1f" + frame["category"], start=first_day, end=end
    )
    methods = {}
    for column in pairs.columns:
        code, category = column.split("\x1f")
        series[(code, category)] = pairs[column]
        methods[(code, category)] = None  # chosen from the history's length and volume
    results = forecast_many(series, params, methods=methods, workers=workers)
    regions, categories = context.regions(), context.categories()
    rows, errors, used = [], [], {PROPHET: 0, SIMPLE: 0}
    frames, method_of = {}, {}
    for result in results:
        code, category = result.key
        if result.frame is None:
            errors.append({"region": code, "category": category, "error": result.error})
            continue
        used[result.method] = used.get(result.method, 0) + 1
        frames[result.key], method_of[result.key] = result.frame, result.method
    for (code, category), frame in rescale_coherent(frames, NATIONAL).items():
        for day in frame.itertuples(index=False):
            rows.append(
                Forecast(
                    run=run,
                    region=None if code == NATIONAL else regions.get(code),
                    category=categories.get(category) if category else None,
                    date=day.date,
                    method=method_of[(code, category)],
                    yhat=round(float(day.yhat), 3),
                    lower_80=round(float(day.lower_80), 3),
                    upper_80=round(float(day.upper_80), 3),
                    lower_95=round(float(day.lower_95), 3),
                    upper_95=round(float(day.upper_95), 3),
                )
            )
    with transaction.atomic():
        Forecast.objects.bulk_create(rows, batch_size=1000)
    run_window_save(run=run, start=first_day, end=end, tz=context.tz)
    return {
        "series": len(series),
        "methods": used,
        "rows": len(rows),
        "failed": errors,
        "first_of_month": artefact,
        "horizon_days": params.horizon,
        "forecaster": PROPHET_FORECASTER,
    }
