"""Region x category forecasts where the history allows, reconciled with the regions.

The history allows a (region, category) series its own place in the global model when it
has a year of history and at least ``MIN_DAILY`` incidents a day over the last year. Each
region's other categories are pooled into one series, the region's rest (``OTHER``), which
the model also forecasts; a region without any such category is split top-down by its
categories' recent shares, as before. The same global model (features, Poisson objective,
held-out negative-binomial dispersion) is fitted on these series, with the parent region and
the category as categorical features.

Reconciliation (``reconcile_categories``) keeps the region forecast (the one the evaluation
scores) and gives each region's children the model's forecast proportions: ``x_c = b_c *
mu_region / sum(b)``. That is the weighted-least-squares projection onto "the children sum to
the region" with the region held fixed and each child's variance proportional to its mean
(Poisson), i.e. top-down by forecast proportions (Athanasopoulos et al. 2009;
``TopDown(method="forecast_proportions")`` in hierarchicalforecast). The region's rest is then
split over its pooled categories by their recent shares (thinning). Means add up exactly.

Intervals: negative binomial at the reconciled mean with the category model's dispersion,
estimated on days held out from its training (pooled categories: thinning keeps the pool's
dispersion); top-down categories keep their region's dispersion (see ``hierarchy``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.core.gbm.features import FEATURE_VERSION
from analytics.core.gbm.forecaster import model_mean
from analytics.core.gbm.hierarchy import category_shares
from analytics.core.gbm.model import GBMParams, TrainedModel, train

OTHER = "__other__"
MIN_DAILY = 1.0  # incidents a day over the last year for a series of its own
MIN_DAYS = 365  # days since the series' first incident
YEAR = 365
CATEGORY_FEATURE_VERSION = f"{FEATURE_VERSION}-cat"
# Every 9th day as a training origin (9 and 7 are coprime, so the origins still cycle through
# the weekdays): ~130 Chicago series then give about as many rows as the 23 regions at every
# 2nd day, and the training stays ~20 s (every 5th day: 190k rows, ~60 s, the same dispersion).
ORIGIN_STEP = 9


@dataclass(frozen=True)
class CategoryPlan:
    """Which categories of which region the model forecasts, and which are pooled."""

    modelled: dict[str, list[str]] = field(default_factory=dict)
    pooled: dict[str, list[str]] = field(default_factory=dict)

    def columns(self) -> list[tuple[str, str]]:
        """The model's series: each modelled pair, then each region's rest when it has one."""
        out = []
        for region, categories in self.modelled.items():
            out += [(region, c) for c in categories]
            if self.pooled.get(region):
                out.append((region, OTHER))
        return out

    def groups(self) -> dict[str, list[str]]:
        columns = self.columns()
        return {"parent": [r for r, _ in columns], "category": [c for _, c in columns]}

    def summary(self) -> dict:
        return {
            "modelled_series": sum(len(v) for v in self.modelled.values()),
            "pooled_series": sum(1 for v in self.pooled.values() if v),
            "regions_modelled": sorted(self.modelled),
            "pooled": {r: v for r, v in self.pooled.items() if v},
            "min_daily": MIN_DAILY,
            "min_days": MIN_DAYS,
        }


def category_plan(pairs: pd.DataFrame, *, min_daily: float = MIN_DAILY) -> CategoryPlan:
    """The plan from ``pairs`` (one column per (region, category) on a complete daily index,
    only the days before the forecast): modelled when the pair has ``MIN_DAYS`` of history
    and ``min_daily`` incidents a day over the last year; the region's other categories with
    an incident in the last year are pooled."""
    if len(pairs) < MIN_DAYS or pairs.empty:
        return CategoryPlan()
    values = pairs.to_numpy(dtype=float)
    seen = values.any(axis=0)
    first = np.where(seen, (values > 0).argmax(axis=0), len(pairs))
    recent = values[-YEAR:].mean(axis=0)
    modelled, pooled = {}, {}
    for region in sorted({c[0] for c in pairs.columns}):
        own = [i for i, c in enumerate(pairs.columns) if c[0] == region]
        rich = [i for i in own if recent[i] >= min_daily and len(pairs) - first[i] >= MIN_DAYS]
        if not rich:
            continue
        modelled[region] = [pairs.columns[i][1] for i in rich]
        pooled[region] = [pairs.columns[i][1] for i in own if i not in rich and recent[i] > 0]
    return CategoryPlan(modelled, pooled)


def category_matrix(pairs: pd.DataFrame, plan: CategoryPlan) -> pd.DataFrame:
    """The model's series on ``pairs``' index: modelled pairs as they are, each region's rest
    as the sum of its pooled categories."""
    data = {}
    for region, category in plan.columns():
        if category == OTHER:
            data[(region, OTHER)] = pairs[[(region, c) for c in plan.pooled[region]]].sum(axis=1)
        else:
            data[(region, category)] = pairs[(region, category)]
    return pd.DataFrame(data, index=pairs.index)


def pool_shares(pairs: pd.DataFrame, plan: CategoryPlan) -> dict:
    """Per region, its pooled categories' recent shares of the pool (sum to 1)."""
    columns = [(r, c) for r, cats in plan.pooled.items() for c in cats]
    return category_shares(pairs[columns], list(plan.pooled)) if columns else {}


def reconcile_categories(
    region_mean: np.ndarray,
    regions: list[str],
    plan: CategoryPlan,
    base: np.ndarray | None,
    shares: dict,
    pools: dict,
) -> tuple[dict[tuple[str, str], np.ndarray], dict[tuple[str, str], str]]:
    """Means of every (region, category), shape (horizon,) each, summing to their region's
    mean, and the source of each (``model``: the category model's proportions, ``split``:
    the region's recent shares). ``base``: the category model's means, shape (horizon,
    len(plan.columns())), or None (no model: every region split)."""
    columns = plan.columns()
    means, source = {}, {}
    for r, region in enumerate(regions):
        target = region_mean[:, r]
        own = [i for i, c in enumerate(columns) if c[0] == region]
        if base is not None and own and np.all(base[:, own].sum(axis=1) > 0):
            b = base[:, own]
            x = b * (target / b.sum(axis=1))[:, None]
            for j, i in enumerate(own):
                category = columns[i][1]
                if category != OTHER:
                    means[(region, category)], source[(region, category)] = x[:, j], "model"
                    continue
                pool = pools.get(region) or {
                    c: 1 / len(plan.pooled[region]) for c in plan.pooled[region]
                }
                for name, share in pool.items():
                    means[(region, name)], source[(region, name)] = x[:, j] * share, "model"
            continue
        for category, share in shares.get(region, {}).items():
            means[(region, category)], source[(region, category)] = target * share, "split"
    return means, source


def categories_add_up(means: dict, regions: dict[str, np.ndarray]) -> bool:
    """True when every region's category forecasts (``means``, keyed (region, category))
    sum to that region's forecast in ``regions``."""
    return all(
        np.allclose(sum(v for k, v in means.items() if k[0] == code), values)
        for code, values in regions.items()
        if any(k[0] == code for k in means)
    )


def category_params(params: GBMParams) -> GBMParams:
    return dataclasses.replace(params, origin_step=ORIGIN_STEP)


def category_base(
    pairs: pd.DataFrame, plan: CategoryPlan, *, total: pd.Series, params: GBMParams
) -> tuple[np.ndarray | None, TrainedModel | None, str]:
    """The category model trained on every day of ``pairs`` and its means for the
    ``MAX_HORIZON`` days after them, shape (horizon, len(plan.columns())); (None, None,
    why) when there is nothing to model or the training fails."""
    if not plan.modelled:
        return None, None, "no region x category series with enough history"
    matrix = category_matrix(pairs, plan)
    try:
        model = train(matrix, category_params(params), total=total, groups=plan.groups())
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the split, and says why
        return None, None, f"{type(exc).__name__}: {exc}"
    model.feature_version = CATEGORY_FEATURE_VERSION
    return model_mean(model, matrix, len(matrix), total=total, params=params), model, ""
