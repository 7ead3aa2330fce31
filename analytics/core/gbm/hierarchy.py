"""Coherent forecasts: the profile's total is the sum of its regions, and a region's
categories sum to the region.

Means are reconciled bottom-up for the total (the regions are what the global model
forecasts) and top-down for the categories: by the category model's forecast proportions
where the history allows (``categories``), elsewhere by the categories' recent shares (here).
Intervals follow from the same distributions, not from separate fits:

- a category of a region: if the region's count is negative binomial with mean ``mu`` and
  dispersion ``alpha`` and each incident falls in category ``c`` with probability ``p_c``,
  the category's count is negative binomial with mean ``p_c * mu`` and the same ``alpha``
  (thinning a gamma-Poisson mixture keeps its gamma);
- the total: regions' errors are correlated (a city-wide busy day), so the total's
  dispersion is estimated on held-out folds from the summed forecasts and summed actuals,
  not by adding independent variances.

Quantiles do not add up, and should not: the means do, exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHARE_DAYS = 91


def category_shares(counts: pd.DataFrame, regions: list[str], days: int = SHARE_DAYS) -> dict:
    """Per region, each category's share of its incidents over the last ``days`` days (the
    last year when those days hold none). ``counts`` has one column per (region, category)
    pair on a complete daily index. Shares of a region sum to 1."""
    out = {}
    for region in regions:
        columns = [c for c in counts.columns if c[0] == region]
        if not columns:
            continue
        for window in (days, 365):
            sums = counts[columns].tail(window).sum()
            if sums.sum() > 0:
                out[region] = {c[1]: float(v / sums.sum()) for c, v in sums.items() if v > 0}
                break
    return out


def reconcile(
    region_mean: np.ndarray, regions: list[str], shares: dict
) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """The total's mean (sum of the regions) and each (region, category)'s mean (the region's
    times the share), from region means of shape (horizon, regions)."""
    total = region_mean.sum(axis=1)
    categories = {}
    for r, region in enumerate(regions):
        for category, share in shares.get(region, {}).items():
            categories[(region, category)] = region_mean[:, r] * share
    return total, categories


def rescale_coherent(frames: dict, national_key) -> dict:
    """Make separately fitted forecasts coherent (the Prophet path): the total becomes the
    sum of the regions and each region's categories are scaled to sum to the region; each
    interval is scaled with its mean (its relative width is kept). ``frames`` maps
    (region, category) keys to frames of ``yhat`` and interval columns; a category key has a
    non-empty second element, the total's region is ``national_key``."""
    columns = ["yhat", "lower_80", "upper_80", "lower_95", "upper_95"]
    regions = [k for k in frames if k[0] != national_key and not k[1]]
    groups = []
    if (national_key, None) in frames and regions:
        groups.append(([(national_key, None)], sum(frames[k]["yhat"].to_numpy() for k in regions)))
    for key in regions:
        children = [k for k in frames if k[0] == key[0] and k[1]]
        if children:
            groups.append((children, frames[key]["yhat"].to_numpy()))
    out = dict(frames)
    for children, target in groups:
        current = sum(frames[k]["yhat"].to_numpy() for k in children)
        factor = np.divide(
            target, current, out=np.ones_like(current, dtype=float), where=current > 0
        )
        for key in children:
            frame = frames[key].copy()
            for column in columns:
                frame[column] = frame[column].to_numpy() * factor
            out[key] = frame
    return out
