"""The seasonal-change baseline: the weekday-adjusted 28-day mean, times the 1st-of-month
ratio on the 1st, times the seasonal change the last three years saw from the same 28 days to
the same forecast days (364 days apart, so weekdays line up). Cheap, transparent, and the
fallback when the global model cannot be trained."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.core.forecasting import weekday_factors
from analytics.core.gbm.features import LEVEL_WINDOW, MAX_HORIZON

YEARS = 3


def _first_of_month_ratio(y: np.ndarray, dates: pd.DatetimeIndex) -> float:
    """Mean on the 1st over the mean of days 2-28 in the last year (1 without enough data)."""
    tail = slice(max(len(y) - 365, 0), len(y))
    days = dates[tail].day
    values = y[tail]
    first, rest = values[days == 1], values[(days >= 2) & (days <= 28)]
    if len(first) < 3 or rest.mean() <= 0:
        return 1.0
    return float(first.mean() / rest.mean())


def seasonal_change(total: np.ndarray, origin: int, horizon: int = MAX_HORIZON) -> np.ndarray:
    """Per horizon day: the mean ratio of the profile's count on the same day in earlier years
    to its 28-day mean before the same origin then (1 where no earlier year is available)."""
    ratios = []
    for year in range(1, YEARS + 1):
        o = origin - 364 * year
        if o - LEVEL_WINDOW < 0 or o + horizon > len(total):
            continue
        level = total[o - LEVEL_WINDOW : o].mean()
        if level > 0:
            week = total[o : o + horizon]
            # the days' own ratio is noisy: smooth it with the week's ratio
            ratios.append(0.5 * week / level + 0.5 * week.mean() / level)
    return np.mean(ratios, axis=0) if ratios else np.ones(horizon)


def baseline_mean(
    matrix: pd.DataFrame, origin: int, *, total: pd.Series | None = None, horizon: int = MAX_HORIZON
) -> np.ndarray:
    """Expected counts, shape (horizon, regions), for the days from position ``origin``
    using only the days before it."""
    history = matrix.iloc[:origin]
    whole = (total if total is not None else matrix.sum(axis=1)).to_numpy(dtype=float)
    dates = pd.date_range(matrix.index[0] + pd.Timedelta(days=origin), periods=horizon, freq="D")
    season = seasonal_change(whole[:origin], origin, horizon) if origin else np.ones(horizon)
    out = np.zeros((horizon, history.shape[1]))
    for r, column in enumerate(history.columns):
        y = history[column]
        level = y.to_numpy()[-LEVEL_WINDOW:].mean() if len(y) else 0.0
        factors = weekday_factors(y, dates)
        first = np.where(dates.day == 1, _first_of_month_ratio(y.to_numpy(), y.index), 1.0)
        out[:, r] = level * factors * first * season
    return out
