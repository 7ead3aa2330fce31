"""Coherent forecasts: the profile's total is the sum of its regions, and a region's
categories sum to the region.

Means are reconciled bottom-up for the total (the regions are what the global model
forecasts) and top-down for the categories (each region split by its categories' recent
shares). Intervals follow from the same distributions, not from separate fits:

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
