"""The evaluation report: one function from an incident frame to every figure, and one that
prints it as a table. The database path and the CSV path both end here."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.core.backtest import (
    BASELINES,
    MODEL,
    SpatialData,
    daily_matrix,
    fold_origins,
    score_backtest,
    spatial_backtest,
)
from analytics.core.clustering import AdaptiveParams
from analytics.core.forecasting import ForecastParams, first_of_month_excess
from analytics.core.gbm.model import GBMParams
from analytics.core.grid import Grid
from analytics.core.methods import (
    GBM_FORECASTER,
    PROPHET_BLEND,
    PROPHET_FORECASTER,
    category_method_rows,
    gbm_method_rows,
    naive_rows,
    prophet_rows,
)
from analytics.core.projection import MetricProjection
from analytics.core.risk import RiskParams
from analytics.core.skill import compare_methods, per_series_skill


@dataclass(frozen=True)
class EvaluationParams:
    weeks: int = 8
    history_days: int = 3 * 365  # training history read before the first origin
    regions: tuple[str, ...] = ()  # limit the counts backtest to these regions (all if empty)
    spatial: bool = True
    workers: int | None = None
    forecast: ForecastParams = field(default_factory=ForecastParams)
    forecaster: str = GBM_FORECASTER  # the production method scored as ``model``
    compare_prophet: bool = False  # also score Prophet alone and the Prophet blend
    gbm: GBMParams = field(default_factory=GBMParams)
    select_weeks: int = 4  # older folds, before the reported ones, that choose the blend
    retrain_every: int = 4  # folds served by one training of the global model
    categories: bool = False  # also backtest the region x category forecasts (global model)
    risk: RiskParams = field(default_factory=RiskParams)
    hotspots: AdaptiveParams = field(default_factory=AdaptiveParams)


def evaluate_frame(
    frame: pd.DataFrame,
    *,
    projection: MetricProjection,
    end: pd.Timestamp,
    params: EvaluationParams,
) -> dict:
    """Backtest the region-level daily forecasts and the risk map / hotspots on ``frame``
    (the incident frame, see ``frames``) over the ``weeks`` weeks before ``end``."""
    started = time.monotonic()
    origins = fold_origins(end, params.weeks)
    older = fold_origins(origins[0], params.select_weeks) if params.select_weeks else []
    start = (older or origins)[0] - pd.Timedelta(days=params.history_days)
    if len(frame):  # no zero-filled days before the data begin: Prophet read them as a step
        start = max(start, frame["occurred_at"].min().floor("D"))
    national = daily_matrix(frame["occurred_at"], None, start=start, end=end)["total"]
    artefact = first_of_month_excess(national[national.index < origins[0]])
    forecast_params = params.forecast
    if artefact["flagged"]:
        firsts = tuple(d.date() for d in national.index if d.day == 1)
        forecast_params = ForecastParams(**{**forecast_params.__dict__, "masked_dates": firsts})
    regional = frame if not params.regions else frame[frame["region"].isin(params.regions)]
    matrix = daily_matrix(regional["occurred_at"], regional["region"], start=start, end=end)
    rows, choice, errors, raw = _count_rows(
        matrix, national, origins, older, forecast_params, params
    )
    counts = score_backtest(rows)
    counts["forecaster"] = params.forecaster
    counts["comparison"] = compare_methods(rows)
    counts["per_region_skill"] = per_series_skill(rows, MODEL)
    counts["choice"] = choice
    counts["series"] = len(matrix.columns)
    counts["mean_daily_count"] = float(matrix.loc[matrix.index >= origins[0]].to_numpy().mean())
    counts["errors"] = errors
    counts["seconds"] = round(time.monotonic() - started, 2)
    report = {
        "window": {
            "start": str(origins[0].date()),
            "end": str(end.date()),
            "folds": len(origins),
            "history_start": str(start.date()),
        },
        "first_of_month": artefact,
        "counts": counts,
    }
    if params.categories and raw is not None:
        report["categories"] = _category_report(regional, rows, raw, national, origins, params)
    if params.spatial:
        spatial_started = time.monotonic()
        x, y = projection.forward(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        grid = Grid.covering(x, y, params.risk.cell_m)
        data = SpatialData(
            grid=grid,
            idx=grid.index(x, y),
            t=frame["occurred_at"].to_numpy(dtype="datetime64[ns]"),
            categories=frame["category"].to_numpy() if params.risk.category_weights else None,
        )
        report["spatial"] = spatial_backtest(
            data, origins, risk_params=params.risk, hotspot_params=params.hotspots
        )
        report["spatial"]["inhabited_area"] = (
            "250 m cells (of the profile's metric projection) with at least one incident in the "
            "365 days before each origin, inside the profile's regions"
        )
        report["spatial"]["seconds"] = round(time.monotonic() - spatial_started, 2)
    return report


def _category_report(regional, rows, raw, national, origins, params) -> dict:
    """Skill of the region x category forecasts against each pair's 28-day mean."""
    started = time.monotonic()
    pairs = daily_matrix(
        regional["occurred_at"],
        regional["region"] + "\x1f" + regional["category"],
        start=national.index[0],
        end=national.index[-1] + pd.Timedelta(days=1),
    )
    pairs.columns = [tuple(c.split("\x1f")) for c in pairs.columns]
    gbm_params = GBMParams(**{**params.gbm.__dict__, "holidays": params.forecast.holidays})
    category_rows, info = category_method_rows(
        pairs,
        origins,
        (rows, raw),
        gbm_params,
        total=national,
        retrain_every=params.retrain_every,
    )
    modelled = category_rows["series"].isin(info["modelled_pairs"])
    return {
        **info,
        "series": int(category_rows["series"].nunique()),
        "comparison": compare_methods(category_rows),
        "comparison_modelled_pairs": compare_methods(category_rows[modelled]),
        "seconds": round(time.monotonic() - started, 2),
    }


def _count_rows(matrix, national, origins, older, forecast_params, params):
    """Every compared method's backtest rows, the production choice, failed fits and the
    global model's raw backtest (None without it)."""
    parts, choice, errors, raw = [], {}, [], None
    horizon = forecast_params.horizon
    if params.forecaster == PROPHET_FORECASTER or params.compare_prophet:
        prophet, errors = prophet_rows(matrix, origins, forecast_params, params.workers)
        parts += prophet
        if params.forecaster == PROPHET_FORECASTER:
            parts.append(_as_model(prophet))
    else:
        parts += naive_rows(matrix, origins, horizon)
    if params.forecaster == GBM_FORECASTER:
        gbm_params = GBMParams(**{**params.gbm.__dict__, "holidays": forecast_params.holidays})
        gbm, choice, raw = gbm_method_rows(
            matrix, origins, older, gbm_params, total=national, retrain_every=params.retrain_every
        )
        parts += gbm
    rows = pd.concat(parts, ignore_index=True)
    return rows, choice, errors, raw


def _as_model(prophet_parts: list) -> pd.DataFrame:
    blend = pd.concat([p for p in prophet_parts if (p["method"] == PROPHET_BLEND).all()])
    return blend.assign(method=MODEL)


def _format_categories(categories: dict | None) -> list[str]:
    if not categories:
        return []
    lines = [
        "",
        f"Region x category ({categories['series']} pairs; {categories['modelled_series']} "
        f"modelled, {categories['pooled_series']} regions' rest pooled; coherent: "
        f"{categories['coherent']}): skill against each pair's 28-day mean",
        f"{'method':24} {'skill':>7} {'90% interval':>17} {'WAPE 7d ratio':>14} {'cov80':>6} {'cov95':>6}",
    ]
    for title, key in (
        ("all pairs", "comparison"),
        ("modelled pairs", "comparison_modelled_pairs"),
    ):
        lines.append(f"  {title}")
        for method, c in (categories.get(key) or {}).items():
            low, high = c["skill_90"]
            lines.append(
                f"{method:24} {_f(c['skill']):>7} {'[' + _f(low) + ', ' + _f(high) + ']':>17} "
                f"{_f(c['wape_weekly_ratio']):>14} {_f(c['coverage']['80'], 2):>6} "
                f"{_f(c['coverage']['95'], 2):>6}"
            )
    lines.append(f"category model trainings {categories['training_seconds']} s")
    return lines


def _f(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def format_report(report: dict) -> str:
    """The report as plain-text tables (what ``manage.py evaluate`` prints)."""
    lines = [
        f"Evaluation {report['window']['start']} → {report['window']['end']} ({report['window']['folds']} weekly folds)"
    ]
    counts = report["counts"]
    lines += [
        "",
        f"Daily counts per region ({counts['series']} series, mean {counts['mean_daily_count']:.1f}/day)",
        f"{'method':24} {'MAE':>7} {'WAPE':>7} {'WAPE 7d':>8} {'cov80':>6} {'cov95':>6} {'1-WAPE':>7}",
    ]
    order = [MODEL, *sorted(set(counts["methods"]) - {MODEL, *BASELINES}), *BASELINES]
    for method in order:
        m = counts["methods"].get(method)
        if m:
            lines.append(
                f"{method:24} {_f(m['mae'], 2):>7} {_f(m['wape_daily']):>7} {_f(m['wape_weekly']):>8} "
                f"{_f(m['coverage_80'], 2):>6} {_f(m['coverage_95'], 2):>6} {_f(m['accuracy']):>7}"
            )
    comparison = counts.get("comparison") or {}
    if comparison:
        lines += [
            "",
            f"Against the trailing 28-day mean (model = {counts.get('forecaster')})",
            f"{'method':24} {'skill':>7} {'90% interval':>17} {'WAPE 7d ratio':>14} {'cov80 ok':>9} {'cov95 ok':>9}",
        ]
        for method in order:
            c = comparison.get(method)
            if c:
                low, high = c["skill_90"]
                lines.append(
                    f"{method:24} {_f(c['skill']):>7} {'[' + _f(low) + ', ' + _f(high) + ']':>17} "
                    f"{_f(c['wape_weekly_ratio']):>14} {c['calibrated']['80']!s:>9} {c['calibrated']['95']!s:>9}"
                )
    choice = counts.get("choice") or {}
    if choice:
        lines.append(
            f"blend: weight of the global model {choice['weight_gbm']} chosen on older folds "
            f"{json.dumps(choice['evidence'])}; trainings {choice['training_seconds']} s"
        )
    lines.append(
        f"prediction accuracy (1 - WAPE) {_f(counts.get('accuracy'))}; best baseline "
        f"{counts.get('best_baseline')} {_f(counts.get('best_baseline_accuracy'))}; skill {_f(counts.get('skill'))}"
    )
    artefact = report["first_of_month"]
    lines.append(
        f"1st-of-month excess: ratio {artefact['ratio']}, z {artefact['z']}, masked in training: {artefact['flagged']}"
    )
    if counts["errors"]:
        lines.append(f"failed series: {len(counts['errors'])} (first: {counts['errors'][0]})")
    lines += _format_categories(report.get("categories"))
    spatial = report.get("spatial")
    if spatial:
        lines += [
            "",
            "Risk map and baselines (share of inhabited area flagged: hit rate / PAI / PEI)",
        ]
        shares = list(next(iter(spatial["rankings"].values())).keys())
        lines.append(f"{'method':14} " + " ".join(f"{s:>22}" for s in shares))
        for name, by_share in spatial["rankings"].items():
            cells = [
                f"{_f(v['hit_rate'])} / {_f(v['pai'], 2)} / {_f(v['pei'], 2)}"
                for v in by_share.values()
            ]
            lines.append(f"{name:14} " + " ".join(f"{c:>22}" for c in cells))
        lines += ["", "Adaptive hotspots by area budget"]
        lines.append(
            f"{'budget':7} {'n':>5} {'area':>6} {'window':>7} {'max':>6} {'hit':>6} {'PAI':>6} {'PEI':>6} {'PAI 365d same area':>19}"
        )
        for budget, h in sorted(
            spatial["hotspots"].items(), key=lambda kv: float(kv[0].rstrip("%"))
        ):
            lines.append(
                f"{budget:7} {h['hotspots']:>5.0f} {_f(h['area_share']):>6} {_f(h['window_share']):>7} "
                f"{_f(h['max_hotspot_share']):>6} {_f(h['hit_rate']):>6} {_f(h['pai'], 2):>6} {_f(h['pei'], 2):>6} "
                f"{_f(h['baseline_365d_pai_same_area'], 2):>19}"
            )
        lines.append(f"inhabited area: {spatial['inhabited_area']}")
    return "\n".join(lines)
