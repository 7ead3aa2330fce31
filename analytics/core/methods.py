"""The backtest rows of every method the evaluation compares: the production forecaster
(``model``), the global model and its baseline, Prophet alone and Prophet blended with the
weekday-adjusted 28-day mean (the forecaster before the global model), and the two naive
baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.core.backtest import MODEL, _rows, baseline_forecasts, forecast_backtest
from analytics.core.forecasting import COLUMNS, SIMPLE, ForecastParams, forecast_series
from analytics.core.gbm.backtest import gbm_rows, raw_backtest, selection
from analytics.core.gbm.model import GBMParams

PROPHET_ALONE = "prophet"
PROPHET_BLEND = "prophet_blend"
GBM_FORECASTER = "gbm"
PROPHET_FORECASTER = "prophet"
FORECASTERS = (GBM_FORECASTER, PROPHET_FORECASTER)


def naive_rows(matrix: pd.DataFrame, origins: list[pd.Timestamp], horizon: int) -> list:
    rows = []
    for origin in origins:
        history = matrix.loc[matrix.index < origin]
        for key in matrix.columns:
            for name, frame in baseline_forecasts(history[key], horizon).items():
                rows.append(_rows(frame, key, origin, name, matrix[key]))
    return rows


def prophet_rows(
    matrix: pd.DataFrame, origins: list[pd.Timestamp], params: ForecastParams, workers
) -> tuple[list, list]:
    """Prophet alone, and the same fits blended with the recent mean as the forecaster did
    (``blend_recent``): one fit per series and fold serves both."""
    share = params.blend_recent
    alone = ForecastParams(**{**params.__dict__, "blend_recent": 0.0})
    rows = forecast_backtest(matrix, origins, alone, workers=workers)
    errors = rows.attrs.get("errors", [])
    fitted = rows[rows["method"] == MODEL].copy()
    naive = rows[rows["method"] != MODEL]
    fitted["method"] = PROPHET_ALONE
    blended = []
    for (key, origin), part in fitted.groupby(["series", "origin"], sort=False):
        history = matrix.loc[matrix.index < origin, key]
        recent = forecast_series(history, alone, SIMPLE)[1]["yhat"].to_numpy()[: len(part)]
        shift = share * (recent - part["yhat"].to_numpy())
        frame = part.copy()
        for column in COLUMNS[1:]:
            frame[column] = np.maximum(frame[column].to_numpy() + shift, 0.0)
        frame["method"] = PROPHET_BLEND
        blended.append(frame)
    return [naive, fitted, *blended], errors


def gbm_method_rows(
    matrix: pd.DataFrame,
    origins: list[pd.Timestamp],
    older: list[pd.Timestamp],
    params: GBMParams,
    *,
    total: pd.Series,
    retrain_every: int,
) -> tuple[list, dict]:
    """The global model's rows on ``origins``, its blend weight chosen on the ``older`` folds
    (never on the reported ones), and the choice with its evidence."""
    raw = raw_backtest(matrix, older + origins, params, total=total, retrain_every=retrain_every)
    reported = raw["origin"] >= origins[0]
    weight, evidence = selection(raw[~reported])
    choice = {
        "weight_gbm": weight,
        "evidence": evidence,
        "training_seconds": raw.attrs.get("training_seconds", []),
        "retrain_every_folds": retrain_every,
        "alpha": float(raw.loc[reported, "alpha_gbm"].mean())
        if raw.loc[reported, "alpha_gbm"].notna().any()
        else None,
    }
    return gbm_rows(raw[reported], weight), choice
