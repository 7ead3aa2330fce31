"""Skill of every method against the 28-day mean, with a bootstrap interval over the folds,
the 7-day-total WAPE ratio and the calibration bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.core.backtest import MEAN28

BANDS = {"80": (0.78, 0.82), "95": (0.93, 0.96)}


def compare_methods(
    rows: pd.DataFrame, *, reference: str = MEAN28, draws: int = 1000, seed: int = 7
) -> dict:
    """Per method: skill = 1 - WAPE_daily / WAPE_daily(reference), its 90 % bootstrap interval
    (folds resampled with replacement), the 7-day-total WAPE ratio to the reference's, and
    the interval coverages with whether they sit in the target bands."""
    if rows.empty or reference not in set(rows["method"]):
        return {}
    rows = rows.assign(abs_error=(rows["actual"] - rows["yhat"]).abs())
    daily = rows.pivot_table(index="origin", columns="method", values="abs_error", aggfunc="sum")
    weekly = rows.groupby(["method", "series", "origin"])[["actual", "yhat"]].sum()
    weekly = (weekly["actual"] - weekly["yhat"]).abs().groupby(["method"]).sum()
    ref = daily[reference].to_numpy()
    if ref.sum() <= 0:  # a perfect reference leaves no room for skill
        return {}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(ref), size=(draws, len(ref)))
    out = {}
    for method in daily.columns:
        err = daily[method].to_numpy()
        if np.isnan(err).any():
            continue
        boot = 1 - err[picks].sum(axis=1) / ref[picks].sum(axis=1)
        part = rows[rows["method"] == method]
        coverage = {
            level: float(
                np.mean(
                    (part["actual"] >= part[f"lower_{level}"])
                    & (part["actual"] <= part[f"upper_{level}"])
                )
            )
            for level in BANDS
        }
        out[method] = {
            "skill": float(1 - err.sum() / ref.sum()),
            "skill_90": [float(np.quantile(boot, 0.05)), float(np.quantile(boot, 0.95))],
            "wape_weekly_ratio": float(weekly[method] / weekly[reference])
            if weekly[reference] > 0
            else None,
            "coverage": coverage,
            "calibrated": {
                level: bool(lo <= coverage[level] <= hi) for level, (lo, hi) in BANDS.items()
            },
        }
    return out


def per_series_skill(rows: pd.DataFrame, method: str, *, reference: str = MEAN28) -> dict:
    """Skill per series (region) of one method, to show where it loses."""
    rows = rows.assign(abs_error=(rows["actual"] - rows["yhat"]).abs())
    table = rows.pivot_table(index="series", columns="method", values="abs_error", aggfunc="sum")
    if method not in table or reference not in table:
        return {}
    return {
        str(k): float(1 - v / table.loc[k, reference]) if table.loc[k, reference] > 0 else None
        for k, v in table[method].items()
    }
