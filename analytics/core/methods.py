"""The backtest rows of every method the evaluation compares: the production forecaster
(``model``), the global model and its baseline, Prophet alone and Prophet blended with the
weekday-adjusted 28-day mean (the forecaster before the global model), and the two naive
baselines; and at region x category level, the category model reconciled to the regions
beside the split by recent shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.core.backtest import MODEL, _rows, baseline_forecasts, forecast_backtest
from analytics.core.forecasting import COLUMNS, SIMPLE, ForecastParams, forecast_series
from analytics.core.gbm.backtest import gbm_rows, raw_backtest, selection
from analytics.core.gbm.categories import (
    OTHER,
    categories_add_up,
    category_matrix,
    category_params,
    category_plan,
    pool_shares,
    reconcile_categories,
)
from analytics.core.gbm.features import MAX_HORIZON
from analytics.core.gbm.forecaster import GBM, interval_columns
from analytics.core.gbm.hierarchy import category_shares
from analytics.core.gbm.model import GBMParams

PROPHET_ALONE = "prophet"
PROPHET_BLEND = "prophet_blend"
TOP_DOWN = "top_down_shares"
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
) -> tuple[list, dict, pd.DataFrame]:
    """The global model's rows on ``origins``, its blend weight chosen on the ``older`` folds
    (never on the reported ones), the choice with its evidence, and the reported folds'
    raw backtest (per-fold dispersions)."""
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
    return gbm_rows(raw[reported], weight), choice, raw[reported]


def category_method_rows(
    pairs: pd.DataFrame,
    origins: list[pd.Timestamp],
    regions: tuple[pd.DataFrame, pd.DataFrame],
    params: GBMParams,
    *,
    total: pd.Series,
    retrain_every: int,
) -> tuple[pd.DataFrame, dict]:
    """Region x category rows on ``origins``: the category model reconciled to the production
    region forecast (``model``), the region forecast split by the categories' 91-day shares
    (``top_down_shares``, the forecaster before it) and the two naive baselines of each pair.
    ``regions``: the production mix's region rows and the region model's per-fold
    dispersion (``raw_backtest``). The plan (which pairs are modelled) is made on the days
    before the first fold."""
    region_rows, region_raw = regions
    plan = category_plan(pairs.loc[pairs.index < origins[0]])
    matrix = category_matrix(pairs, plan)
    matrix.columns = [_label(k) for k in matrix.columns]  # a tuple is no row label
    raw = (
        raw_backtest(
            matrix,
            origins,
            category_params(params),
            total=total,
            retrain_every=retrain_every,
            groups=plan.groups(),
        )
        if plan.modelled
        else pd.DataFrame()
    )
    parts, coherent = [], True
    for origin in origins:
        rows, ok = _category_fold(pairs, origin, plan, raw, region_rows, region_raw)
        parts += rows
        coherent &= ok
    rows = pd.concat(parts, ignore_index=True)
    keys = rows.loc[rows["method"] == MODEL, ["series", "origin"]].drop_duplicates()
    labelled = pairs.set_axis([_label(k) for k in pairs.columns], axis=1)
    naive = naive_rows(labelled[keys["series"].unique()], origins, MAX_HORIZON)
    naive = pd.concat(naive, ignore_index=True).merge(keys, on=["series", "origin"])
    info = {
        **plan.summary(),
        "coherent": bool(coherent),
        "training_seconds": raw.attrs.get("training_seconds", []) if len(raw) else [],
        "alpha": float(raw["alpha_gbm"].mean()) if len(raw) else None,
        "modelled_pairs": [_label(k) for k in plan.columns() if k[1] != OTHER],
    }
    return pd.concat([rows, naive], ignore_index=True), info


def _category_fold(pairs, origin, plan, raw, region_rows, region_raw) -> tuple[list, bool]:
    """One fold's category rows of the reconciled model and of the shares split."""
    past = pairs.loc[pairs.index < origin]
    region = region_rows[(region_rows["origin"] == origin) & (region_rows["method"] == MODEL)]
    mean = region.pivot(index="date", columns="series", values="yhat")
    codes = [str(c) for c in mean.columns]
    alphas = region_raw.loc[region_raw["origin"] == origin, "alpha_gbm"]
    region_alpha = (
        float(alphas.iloc[0])
        if alphas.notna().any()
        else float(region_raw.loc[region_raw["origin"] == origin, "alpha_base"].iloc[0])
    )
    base, cat_alpha = None, None
    if len(raw):
        fold = raw[raw["origin"] == origin]
        wide = fold.pivot(index="date", columns="series", values=GBM)
        if wide.notna().all().all():
            base = wide[[_label(k) for k in plan.columns()]].to_numpy()
            cat_alpha = float(fold["alpha_gbm"].iloc[0])
    shares = category_shares(past, codes)
    means, source = reconcile_categories(
        mean.to_numpy(), codes, plan, base, shares, pool_shares(past, plan)
    )
    coherent = categories_add_up(means, {code: mean[code].to_numpy() for code in codes})
    out = []
    for key, values in means.items():
        split = mean[key[0]].to_numpy() * shares.get(key[0], {}).get(key[1], 0.0)
        alpha = cat_alpha if source[key] == "model" else region_alpha
        for method, m, a in ((MODEL, values, alpha), (TOP_DOWN, split, region_alpha)):
            frame = pd.DataFrame({"date": mean.index, **interval_columns(m, a)})
            out.append(_rows(frame, _label(key), origin, method, pairs[key]))
    return out, coherent


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}/{key[1]}"
