"""Rolling-origin backtest of the global model and the seasonal-change baseline, retrained
every ``retrain_every`` folds (each training sees only days before its first fold; each
fold's features still run up to the day before the fold), and the blend choice on older
folds."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analytics.core.backtest import MODEL
from analytics.core.forecasting import COLUMNS
from analytics.core.gbm.baseline import baseline_mean
from analytics.core.gbm.forecaster import (
    GBM,
    SEASONAL,
    baseline_alpha,
    blend,
    choose_weight,
    interval_columns,
    model_mean,
)
from analytics.core.gbm.model import GBMParams, train

# A blend is a year-round decision and the baseline's seasonal change helps in some seasons
# only (8 autumn folds favoured a 50/50 blend in every fold; it then lost over the year), so
# the evidence for one must cover a year of older folds; with less, the model alone.
MIN_SELECTION_FOLDS = 52


def raw_backtest(
    matrix: pd.DataFrame,
    origins: list[pd.Timestamp],
    params: GBMParams,
    *,
    total: pd.Series | None = None,
    retrain_every: int = 4,
    groups: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per (series, origin, day): the actual count, the model's and the baseline's
    expected counts and their dispersions. A fold without a model (too little history or a
    failed training) has NaN model columns."""
    parts, model, alpha_base, trainings = [], None, 0.05, []
    positions = [matrix.index.get_loc(o) for o in origins]
    for i, p in enumerate(positions):
        if i % retrain_every == 0:
            began = time.monotonic()
            past_total = None if total is None else total.iloc[:p]
            try:
                model = train(matrix.iloc[:p], params, total=past_total, groups=groups)
            except ValueError:
                model = None
            alpha_base = baseline_alpha(matrix.iloc[:p], total=past_total)
            trainings.append(round(time.monotonic() - began, 2))
        base = baseline_mean(matrix, p, total=total)
        gbm = (
            model_mean(model, matrix, p, total=total, params=params)
            if model is not None
            else np.full(base.shape, np.nan)
        )
        dates = matrix.index[p] + pd.to_timedelta(np.arange(base.shape[0]), unit="D")
        for r, key in enumerate(matrix.columns):
            actual = matrix[key].reindex(dates).to_numpy()
            parts.append(
                pd.DataFrame(
                    {
                        "series": key,
                        "origin": origins[i],
                        "date": dates.date,
                        "actual": actual,
                        GBM: gbm[:, r],
                        SEASONAL: base[:, r],
                        "alpha_gbm": model.alpha if model is not None else np.nan,
                        "alpha_base": alpha_base,
                    }
                )
            )
    raw = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    raw.attrs["training_seconds"] = trainings
    return raw


def method_rows(raw: pd.DataFrame, weight: float, method: str) -> pd.DataFrame:
    """Backtest rows (``COLUMNS`` + actual, series, origin, method) of a blend; folds
    without a model fall back to the baseline with its own dispersion."""
    has_model = raw[GBM].notna().to_numpy()
    mean = np.where(
        has_model,
        blend(raw[GBM].fillna(0).to_numpy(), raw[SEASONAL].to_numpy(), weight),
        raw[SEASONAL].to_numpy(),
    )
    alpha = np.where(has_model & (weight > 0), raw["alpha_gbm"].fillna(0), raw["alpha_base"])
    columns = {name: np.zeros(len(raw)) for name in COLUMNS[1:]}
    for a in np.unique(alpha):
        pick = alpha == a
        for name, values in interval_columns(mean[pick], float(a)).items():
            columns[name][pick] = values
    out = pd.DataFrame({"date": raw["date"], **columns})
    out["actual"], out["series"], out["origin"] = raw["actual"], raw["series"], raw["origin"]
    out["method"] = method
    return out


def selection(raw_older: pd.DataFrame) -> tuple[float, dict]:
    """The production weight, chosen on folds older than the reported ones, with evidence."""
    if raw_older.empty or raw_older[GBM].isna().all():
        return 0.0, {"reason": "no trained model on the selection folds: baseline alone"}
    window = {
        "folds": int(raw_older["origin"].nunique()),
        "from": str(pd.Timestamp(raw_older["origin"].min()).date()),
        "to": str(pd.Timestamp(raw_older["date"].max()).date()),
        "blocks": "folds",
    }
    part = raw_older.loc[raw_older[GBM].notna()]
    # the folds are the bootstrap blocks: a city-wide busy week moves every region at once, so
    # series x fold blocks are not independent and would overstate the confidence in a blend
    weight, found = choose_weight(
        part["actual"].to_numpy(),
        part[GBM].to_numpy(),
        part[SEASONAL].to_numpy(),
        part["origin"].astype(str).to_numpy(),
    )
    if part["origin"].nunique() < MIN_SELECTION_FOLDS:  # the evidence is shown, not acted on
        reason = f"fewer than {MIN_SELECTION_FOLDS} selection folds with a model: model alone"
        return 1.0, {**found, "reason": reason, **window}
    return weight, {**found, **window}


def gbm_rows(raw: pd.DataFrame, weight: float) -> list[pd.DataFrame]:
    """The production mix (``model``), the global model alone and the baseline alone."""
    return [
        method_rows(raw, weight, MODEL),
        method_rows(raw, 1.0, GBM),
        method_rows(raw, 0.0, SEASONAL),
    ]
