"""Features of the global model: one row per (region, origin, horizon day).

Every feature of a row whose forecast starts at ``origin`` is computed from days strictly
before the origin: same-weekday lags of the target day (7, 14, 21, 28 and 364 days back are
all before the origin for horizons up to seven days), rolling means over 1 to 364 days for
the region and for the whole profile ending the day before the origin, and the calendar of
the target day (weekday, day of year, 1st of the month, public holidays and the days around
them). The offset is the log of the region's 28-day mean level; the model learns
multiplicative corrections to it, so one model serves regions of any size.

The same model is fitted on region x category series: each series (column) then also carries
its labels (``groups``: the parent region and the category) as categorical features; they are
fixed properties of the series, not of time, so they cannot leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURE_VERSION = "gbm-1"
LAGS = (7, 14, 21, 28, 364)
WINDOWS = (1, 3, 7, 28, 91, 364)
LEVEL_WINDOW = 28
MAX_HORIZON = 7
HOLIDAY_REACH = 3  # days before and after a holiday flagged by their distance
_FLOOR = 0.05  # level floor for the log offset of a series with no recent incidents


@dataclass(frozen=True)
class FeatureRows:
    """Feature matrix with the offset, the target (NaN beyond the data) and row labels."""

    X: pd.DataFrame
    offset: np.ndarray
    y: np.ndarray
    region: np.ndarray
    origin: np.ndarray  # position of the origin day in the matrix index
    date: pd.DatetimeIndex


def _trailing_means(values: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
    """Mean of the ``window`` days before each origin (rows: origins; NaN when too short)."""
    cumsum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    out = np.full((len(origins), values.shape[1]), np.nan)
    ok = origins >= window
    out[ok] = (cumsum[origins[ok]] - cumsum[origins[ok] - window]) / window
    return out


def _holiday_distance(dates: pd.DatetimeIndex, holidays) -> np.ndarray:
    """Signed days to the nearest holiday within ``HOLIDAY_REACH`` (0 on the day), else NaN."""
    out = np.full(len(dates), np.nan)
    if not holidays:
        return out
    days = dates.values.astype("datetime64[D]").astype(np.int64)
    marks = np.sort(np.array([np.datetime64(d, "D") for d in holidays]).astype(np.int64))
    pos = np.clip(np.searchsorted(marks, days), 1, len(marks) - 1) if len(marks) > 1 else None
    if pos is None:
        diff = days - marks[0]
    else:
        before, after = days - marks[pos - 1], days - marks[pos]
        diff = np.where(np.abs(before) <= np.abs(after), before, after)
    near = np.abs(diff) <= HOLIDAY_REACH
    out[near] = diff[near]
    return out


def build_features(
    matrix: pd.DataFrame,
    origins: np.ndarray,
    *,
    total: pd.Series | None = None,
    holidays: tuple[dt.date, ...] = (),
    horizon: int = MAX_HORIZON,
    groups: dict[str, list[str]] | None = None,
) -> FeatureRows:
    """Rows for every region (column of ``matrix``, a complete daily index), every origin
    position in ``origins`` (``len(matrix)`` forecasts past the end) and horizon day.
    ``total`` is the whole profile's daily count on the same index (default: the row sums).
    ``groups`` maps a feature name to one label per column (categorical features)."""
    if horizon > min(LAGS):
        raise ValueError(f"horizon {horizon} is longer than the shortest lag {min(LAGS)}")
    values = matrix.to_numpy(dtype=float)
    n, regions = values.shape
    origins = np.asarray(origins, dtype=np.int64)
    whole = (total if total is not None else matrix.sum(axis=1)).to_numpy(dtype=float)[:, None]
    level = _trailing_means(values, origins, LEVEL_WINDOW)
    level_total = _trailing_means(whole, origins, LEVEL_WINDOW)[:, 0]
    rolls = {w: _trailing_means(values, origins, w) for w in WINDOWS}
    rolls_total = {w: _trailing_means(whole, origins, w)[:, 0] for w in WINDOWS}
    dates_all = matrix.index.append(
        pd.date_range(matrix.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    )
    columns: dict[str, list] = {}
    labels = {"region": [], "origin": [], "h": [], "t": []}
    for h in range(horizon):
        t = origins + h
        for r in range(regions):
            labels["region"].append(np.full(len(origins), r))
            labels["origin"].append(origins)
            labels["h"].append(np.full(len(origins), h))
            labels["t"].append(t)
            safe = np.maximum(level[:, r], _FLOOR)
            for lag in LAGS:
                src = t - lag
                lagged = np.where(src >= 0, values[np.clip(src, 0, n - 1), r], np.nan)
                columns.setdefault(f"lag_{lag}", []).append(lagged / safe)
            for w in WINDOWS:
                columns.setdefault(f"roll_{w}", []).append(rolls[w][:, r] / safe)
                columns.setdefault(f"all_roll_{w}", []).append(
                    rolls_total[w] / np.maximum(level_total, _FLOOR)
                )
            columns.setdefault("log_level", []).append(np.log(safe))
            columns.setdefault("all_log_level", []).append(np.log(np.maximum(level_total, _FLOOR)))
    region = np.concatenate(labels["region"])
    t = np.concatenate(labels["t"])
    dates = dates_all[t]
    X = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    X.insert(0, "region", pd.Categorical(region, categories=range(regions)))
    for g, (name, labels_of) in enumerate(sorted((groups or {}).items())):
        levels = sorted(set(labels_of))
        codes = np.array([levels.index(v) for v in labels_of])[region]
        X.insert(1 + g, name, pd.Categorical(codes, categories=range(len(levels))))
    X["horizon"] = np.concatenate(labels["h"])
    X["day_of_week"] = dates.day_of_week
    X["day_of_year"] = dates.day_of_year
    X["first_of_month"] = (dates.day == 1).astype(int)
    X["holiday_distance"] = _holiday_distance(dates, holidays)
    offset = X["log_level"].to_numpy().copy()
    y = np.where(t < n, values[np.clip(t, 0, n - 1), region], np.nan)
    return FeatureRows(X, offset, y, region, np.concatenate(labels["origin"]), dates)
