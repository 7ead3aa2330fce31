"""Rolling-origin backtests: the honest answer to "how good is it?".

Counts: for each of the last K weekly origins, fit on everything before the origin, forecast
the next 7 days, and score against what happened, beside two baselines computed on the same
folds: the same day last week, and the trailing 28-day mean. Their intervals come from the
baseline's own errors over the last 8 training weeks (empirical quantiles), so their
coverage can be compared with the model's.

Areas: for the same origins, flag the top 1 / 5 / 10 % of the inhabited cells by risk score
(and by three baselines: 28-day counts, 365-day counts, a 90-day kernel density), and count
next week's incidents inside. The adaptive hotspots are scored at their own area beside the
365-day counts at the same area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.core import metrics
from analytics.core.clustering import AdaptiveParams, adaptive_hotspots, hotspot_density
from analytics.core.forecasting import COLUMNS, ForecastParams, forecast_many
from analytics.core.grid import Grid, top_cells
from analytics.core.risk import RiskParams, counts_baseline, kde_baseline, risk_surface

MODEL = "model"
SNAIVE = "same_day_last_week"
MEAN28 = "trailing_28_day_mean"
BASELINES = (SNAIVE, MEAN28)
_QUANTILES = (0.1, 0.9, 0.025, 0.975)


def daily_matrix(
    occurred_at: pd.Series, keys: pd.Series | None, *, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Daily counts on a complete date index ``[start, end)`` (missing days are 0), one
    column per key (or one column ``"total"``)."""
    days = pd.to_datetime(occurred_at).dt.floor("D")
    keys = pd.Series("total", index=days.index) if keys is None else keys
    inside = (days >= start) & (days < end)
    table = pd.crosstab(days[inside], keys[inside])
    index = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    return table.reindex(index, fill_value=0).astype(float)


def fold_origins(end: pd.Timestamp, weeks: int, horizon: int = 7) -> list[pd.Timestamp]:
    """Origins of the last ``weeks`` non-overlapping folds ending at ``end`` (exclusive),
    oldest first."""
    return [end - pd.Timedelta(days=horizon * k) for k in range(weeks, 0, -1)]


def _empirical(point: np.ndarray, errors: np.ndarray) -> dict:
    errors = errors[~np.isnan(errors)]
    q = np.quantile(errors, _QUANTILES) if len(errors) else np.zeros(4)
    return {
        "yhat": point,
        "lower_80": np.maximum(point + q[0], 0),
        "upper_80": np.maximum(point + q[1], 0),
        "lower_95": np.maximum(point + q[2], 0),
        "upper_95": np.maximum(point + q[3], 0),
    }


def baseline_forecasts(y: pd.Series, horizon: int = 7) -> dict[str, pd.DataFrame]:
    """The two baselines for the ``horizon`` days after ``y`` ends (``horizon`` ≤ 7)."""
    values = y.to_numpy(dtype=float)
    dates = pd.date_range(y.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D").date
    snaive_point = values[-7:][:horizon]
    snaive_errors = values[-56:] - values[-63:-7] if len(values) >= 63 else values[7:] - values[:-7]
    mean_point = np.full(horizon, values[-28:].mean())
    mean_errors = values[-28:] - values[-28:].mean()
    out = {}
    for name, point, errors in (
        (SNAIVE, snaive_point, snaive_errors),
        (MEAN28, mean_point, mean_errors),
    ):
        out[name] = pd.DataFrame({"date": dates, **_empirical(point, errors)})
    return out


def forecast_backtest(
    matrix: pd.DataFrame,
    origins: list[pd.Timestamp],
    params: ForecastParams,
    *,
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per (series, origin, date, method) with the actual value and the forecast
    columns; failed model fits are left out and listed in ``rows.attrs["errors"]``."""
    jobs, rows = {}, []
    for origin in origins:
        history = matrix.loc[matrix.index < origin]
        actual = matrix.loc[
            (matrix.index >= origin) & (matrix.index < origin + pd.Timedelta(days=params.horizon))
        ]
        for key in matrix.columns:
            jobs[(key, origin)] = history[key]
            for name, frame in baseline_forecasts(history[key], params.horizon).items():
                rows.append(_rows(frame, key, origin, name, actual[key]))
    errors = []
    for result in forecast_many(jobs, params, workers=workers):
        key, origin = result.key
        if result.frame is None:
            errors.append({"series": str(key), "origin": str(origin.date()), "error": result.error})
            continue
        actual = matrix[key]
        rows.append(_rows(result.frame, key, origin, MODEL, actual))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    out.attrs["errors"] = errors
    return out


def _rows(frame: pd.DataFrame, key, origin, method: str, actual: pd.Series) -> pd.DataFrame:
    frame = frame[COLUMNS].copy()
    frame["actual"] = actual.reindex(pd.to_datetime(frame["date"])).to_numpy()
    frame["series"], frame["origin"], frame["method"] = key, origin, method
    return frame


def score_backtest(rows: pd.DataFrame) -> dict:
    """MAE, WAPE (daily and 7-day totals) and 80 % / 95 % coverage per method, plus the
    headline: accuracy = 1 - daily WAPE of the model, and its skill against the best baseline
    (1 - WAPE_model / WAPE_best_baseline)."""
    scores = {}
    for method, part in rows.groupby("method"):
        weekly = part.groupby(["series", "origin"])[["actual", "yhat"]].sum()
        scores[method] = {
            "mae": metrics.mae(part["actual"], part["yhat"]),
            "wape_daily": metrics.wape(part["actual"], part["yhat"]),
            "wape_weekly": metrics.wape(weekly["actual"], weekly["yhat"]),
            "coverage_80": metrics.coverage(part["actual"], part["lower_80"], part["upper_80"]),
            "coverage_95": metrics.coverage(part["actual"], part["lower_95"], part["upper_95"]),
            "accuracy": 1 - metrics.wape(part["actual"], part["yhat"]),
            "points": len(part),
        }
    baselines = [scores[b]["wape_daily"] for b in BASELINES if b in scores]
    headline = {"accuracy": None, "best_baseline": None, "skill": None}
    if MODEL in scores and baselines:
        best = min(BASELINES, key=lambda b: scores.get(b, {}).get("wape_daily", np.inf))
        headline = {
            "accuracy": scores[MODEL]["accuracy"],
            "best_baseline": best,
            "best_baseline_accuracy": scores[best]["accuracy"],
            "skill": 1 - scores[MODEL]["wape_daily"] / scores[best]["wape_daily"]
            if scores[best]["wape_daily"] > 0
            else None,  # a perfect baseline leaves no room for skill
        }
    return {"methods": scores, **headline}


@dataclass(frozen=True)
class SpatialData:
    """Incidents on the analysis grid: flat cell per incident and its time."""

    grid: Grid
    idx: np.ndarray
    t: np.ndarray  # datetime64[ns]
    categories: np.ndarray | None = None


def spatial_backtest(
    data: SpatialData,
    origins: list[pd.Timestamp],
    *,
    risk_params: RiskParams | None = None,
    hotspot_params: AdaptiveParams | None = None,
    window_days: int = 90,
    shares=metrics.AREA_SHARES,
) -> dict:
    """Mean hit rate / PAI / PEI over the folds for the risk map and its baselines at each
    area share, and the adaptive hotspots at each budget beside the 365-day counts at the
    same area."""
    risk_params = risk_params or RiskParams()
    hotspot_params = hotspot_params or AdaptiveParams()
    collected: dict[str, dict[str, list[dict]]] = {}
    hotspot_rows = []
    for origin in origins:
        o = np.datetime64(origin)
        horizon = (data.t >= o) & (data.t < o + np.timedelta64(risk_params.horizon_days, "D"))
        actual = data.grid.counts(data.idx[horizon])
        total = int(horizon.sum())
        year = counts_baseline(data.grid, data.idx, data.t, origin=o, days=365)
        candidates = np.flatnonzero(year > 0)
        rankings = {
            "risk_map": risk_surface(
                data.grid,
                data.idx,
                data.t,
                origin=o,
                categories=data.categories,
                params=risk_params,
            ),
            "counts_28d": counts_baseline(data.grid, data.idx, data.t, origin=o, days=28),
            "counts_365d": year,
            "kde_90d": kde_baseline(data.grid, data.idx, data.t, origin=o),
        }
        for name, score in rankings.items():
            ranked = metrics.ranking_scores(
                score, candidates=candidates, actual=actual, total=total, shares=shares
            )
            for share, values in ranked.items():
                collected.setdefault(name, {}).setdefault(share, []).append(values)
        hotspot_rows.extend(
            _hotspot_fold(
                data, o, year, candidates, actual, total, hotspot_params, window_days, shares
            )
        )
    summary = {
        name: {share: _mean_dicts(values) for share, values in by_share.items()}
        for name, by_share in collected.items()
    }
    hotspots = {}
    for share in {row["budget"] for row in hotspot_rows}:
        hotspots[share] = _mean_dicts([row for row in hotspot_rows if row["budget"] == share])
    return {"rankings": summary, "hotspots": hotspots, "folds": len(origins)}


def _hotspot_fold(
    data, o, year, candidates, actual, total, params, window_days, shares
) -> list[dict]:
    inhabited = np.zeros(data.grid.size, dtype=bool)
    inhabited[candidates] = True
    window = (data.t >= o - np.timedelta64(window_days, "D")) & (data.t < o)
    window_idx = data.idx[window]
    counts = data.grid.counts(window_idx)
    density = hotspot_density(
        counts, year, window_days=window_days, memory_weight=params.memory_weight
    )
    x, y = data.grid.centres(window_idx)
    rows = []
    for share in shares:
        budget_params = AdaptiveParams(**{**params.__dict__, "area_budget": share})
        result = adaptive_hotspots(
            x, y, grid=data.grid, inhabited=inhabited, density=density, params=budget_params
        )
        selected = np.concatenate(result.cells) if result.cells else np.zeros(0, dtype=np.int64)
        own = metrics.selection_scores(
            selected,
            inhabited_cells=len(candidates),
            actual=actual,
            candidates=candidates,
            total=total,
        )
        baseline = metrics.selection_scores(
            top_cells(year, candidates, len(selected)),
            inhabited_cells=len(candidates),
            actual=actual,
            candidates=candidates,
            total=total,
        )
        shares_held = [counts[cells].sum() / max(len(window_idx), 1) for cells in result.cells]
        rows.append(
            {
                "budget": f"{share:.0%}",
                "hotspots": len(result.cells),
                "area_share": own["area_share"],
                "window_share": float(sum(shares_held)),
                "max_hotspot_share": float(max(shares_held, default=0.0)),
                "hit_rate": own["hit_rate"],
                "pai": own["pai"],
                "pei": own["pei"],
                "baseline_365d_pai_same_area": baseline["pai"],
            }
        )
    return rows


def _mean_dicts(rows: list[dict]) -> dict:
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float | np.floating | np.integer)]
    return {k: float(np.nanmean([row[k] for row in rows])) for k in keys}
