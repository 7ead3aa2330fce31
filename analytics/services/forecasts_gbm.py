"""Forecasts of one run by the global model: regions by the blend of the global model and
its seasonal-change baseline (weight chosen on folds older than the nightly evaluation's),
the total as their sum, the categories by the global model fitted on the region x category
series where the history allows (reconciled to their region, see ``core/gbm/categories``) and
by the region's recent shares elsewhere, the trained models stored."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from analytics.core.backtest import daily_matrix, fold_origins
from analytics.core.gbm.backtest import raw_backtest, selection
from analytics.core.gbm.baseline import baseline_mean
from analytics.core.gbm.categories import (
    categories_add_up,
    category_base,
    category_plan,
    pool_shares,
    reconcile_categories,
)
from analytics.core.gbm.features import FEATURE_VERSION, MAX_HORIZON
from analytics.core.gbm.forecaster import (
    GBM,
    SEASONAL,
    baseline_alpha,
    blend,
    interval_columns,
    model_mean,
)
from analytics.core.gbm.hierarchy import category_shares
from analytics.core.gbm.model import GBMParams, nb_alpha, train
from analytics.models import Forecast, ForecastModel, ModelRun

EVALUATION_WEEKS = 8  # the nightly evaluation's folds: the blend is chosen before them
SELECT_WEEKS = 4


def gbm_params_for(holidays) -> GBMParams:
    return GBMParams(threads=settings.ANALYTICS_GBM_THREADS, holidays=tuple(holidays))


def blend_choice(regional: pd.DataFrame, total: pd.Series, params: GBMParams, end) -> tuple:
    """Weight, evidence and the total's dispersion, from the folds just before the nightly
    evaluation's (so the evaluation never scores folds the choice has seen)."""
    first = pd.Timestamp(end) - pd.Timedelta(weeks=EVALUATION_WEEKS)
    origins = [o for o in fold_origins(first, SELECT_WEEKS) if o > regional.index[0]]
    if not origins:
        return 0.0, {"reason": "no history for the selection folds"}, None
    raw = raw_backtest(regional, origins, params, total=total, retrain_every=SELECT_WEEKS)
    weight, evidence = selection(raw)
    raw = raw.assign(mean=blend(raw[GBM].fillna(raw[SEASONAL]), raw[SEASONAL], weight))
    summed = raw.groupby(["origin", "date"])[["actual", "mean"]].sum()
    return weight, evidence, nb_alpha(summed["actual"].to_numpy(), summed["mean"].to_numpy())


def region_forecast(regional: pd.DataFrame, total: pd.Series, params: GBMParams, weight: float):
    """(method, mean of shape (horizon, regions), alpha, trained model or None, fallback)."""
    origin = len(regional)
    base = baseline_mean(regional, origin, total=total)
    fallback = ""
    if weight > 0:
        try:
            model = train(regional, params, total=total)
        except Exception as exc:  # noqa: BLE001 - any failure falls back, and says why
            fallback = f"{type(exc).__name__}: {exc}"
        else:
            gbm = model_mean(model, regional, origin, total=total, params=params)
            return GBM, blend(gbm, base, weight), model.alpha, model, fallback
    return SEASONAL, base, baseline_alpha(regional, total=total), None, fallback


def gbm_forecast_rows(
    *, run: ModelRun, frame: pd.DataFrame, first_day, end, holidays, regions, categories
) -> dict:
    """Store the forecasts of every region, the total and every region x category."""
    params = gbm_params_for(holidays)
    regional = daily_matrix(frame["occurred_at"], frame["region"], start=first_day, end=end)
    total = regional.sum(axis=1)
    weight, evidence, total_alpha = blend_choice(regional, total, params, end)
    method, mean, alpha, model, fallback = region_forecast(regional, total, params, weight)
    codes = [str(c) for c in regional.columns]
    national = mean.sum(axis=1)
    dates = pd.date_range(end, periods=MAX_HORIZON, freq="D").date
    series = [((None, None), national, total_alpha if total_alpha is not None else alpha)]
    series += [((code, None), mean[:, r], alpha) for r, code in enumerate(codes)]
    by_category, categories_info = category_series(
        frame, first_day=first_day, end=end, regional=(mean, codes, alpha, total), params=params
    )
    series += by_category
    rows = []
    for (code, cat), values, a in series:
        columns = interval_columns(values, a)
        for i, day in enumerate(dates):
            rows.append(
                Forecast(
                    run=run,
                    region=regions.get(code) if code else None,
                    category=categories.get(cat) if cat else None,
                    date=day,
                    method=method,
                    **{k: round(float(v[i]), 3) for k, v in columns.items()},
                )
            )
    details = {
        "weight_gbm": weight,
        "evidence": evidence,
        "alpha": alpha,
        "total_alpha": total_alpha,
        "fallback": fallback,
        "regions": codes,
        "category_share_days": 91,
        "training_seconds": round(model.seconds, 2) if model else None,
        "categories": categories_info,
    }
    with transaction.atomic():
        Forecast.objects.bulk_create(rows, batch_size=1000)
        ForecastModel.objects.create(
            run=run,
            method=method,
            feature_version=FEATURE_VERSION,
            train_start=model.train_start if model else None,
            train_end=model.train_end if model else None,
            model_text=model.booster.model_to_string() if model else "",
            details={**details, **(model.artefact() if model else {})},
        )
    return {
        "series": len(series),
        "methods": {method: len(series)},
        "rows": len(rows),
        "failed": [],
        "forecaster": "gbm",
        "blend": {"weight_gbm": weight, "evidence": evidence},
        "fallback": fallback,
        "alpha": alpha,
        "total_alpha": total_alpha,
        "training_seconds": details["training_seconds"],
        "feature_version": FEATURE_VERSION,
        "coherent": bool(np.allclose(national, mean.sum(axis=1))),
        "categories": {k: v for k, v in categories_info.items() if k != "model_text"},
    }


def category_series(
    frame: pd.DataFrame, *, first_day, end, regional: tuple, params: GBMParams
) -> tuple[list, dict]:
    """((region, category), means, dispersion) of every region x category, summing to the
    region means, and what was done (the plan, the category model's artefact).
    ``regional``: the region means (horizon, regions), their codes, dispersion and the
    profile's daily total."""
    mean, codes, alpha, total = regional
    pairs = daily_matrix(
        frame["occurred_at"], frame["region"] + "\x1f" + frame["category"], start=first_day, end=end
    )
    pairs.columns = [tuple(c.split("\x1f")) for c in pairs.columns]
    plan = category_plan(pairs)
    base, model, fallback = category_base(pairs, plan, total=total, params=params)
    shares = category_shares(pairs, codes)
    means, source = reconcile_categories(mean, codes, plan, base, shares, pool_shares(pairs, plan))
    series = [
        (key, values, model.alpha if source[key] == "model" else alpha)
        for key, values in means.items()
    ]
    info = {
        **plan.summary(),
        "fallback": fallback,
        "split_series": sum(1 for v in source.values() if v == "split"),
        "model_series": sum(1 for v in source.values() if v == "model"),
        "coherent": categories_add_up(means, {c: mean[:, r] for r, c in enumerate(codes)}),
    }
    if model is not None:
        info.update({**model.artefact(), "model_text": model.booster.model_to_string()})
    return series, info
