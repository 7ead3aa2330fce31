"""Accuracy measures for counts forecasts and for flagged areas.

Counts: MAE, WAPE (sum of absolute errors / sum of actuals) and interval coverage.
Areas: hit rate (share of the next period's incidents inside the flagged cells), PAI
(hit rate / flagged share of the inhabited area) and PEI (incidents caught / the most any
selection of the same number of inhabited cells could have caught).
"""

from __future__ import annotations

import numpy as np

from analytics.core.grid import top_cells

AREA_SHARES = (0.01, 0.05, 0.10)


def mae(actual, predicted) -> float:
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    return float(np.mean(np.abs(actual - predicted))) if len(actual) else float("nan")


def wape(actual, predicted) -> float:
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    total = np.sum(np.abs(actual))
    return float(np.sum(np.abs(actual - predicted)) / total) if total else float("nan")


def coverage(actual, lower, upper) -> float:
    actual = np.asarray(actual, float)
    if not len(actual):
        return float("nan")
    return float(
        np.mean((actual >= np.asarray(lower, float)) & (actual <= np.asarray(upper, float)))
    )


def selection_scores(
    selected: np.ndarray,
    *,
    inhabited_cells: int,
    actual: np.ndarray,
    candidates: np.ndarray,
    total: int,
) -> dict:
    """Hit rate, PAI and PEI of one set of flagged cells.

    ``actual`` holds next-period incidents per cell (flat grid), ``candidates`` the inhabited
    cells, ``total`` every next-period incident of the profile (also those outside the
    inhabited area, so nothing flatters the score)."""
    n = len(selected)
    hits = float(actual[selected].sum()) if n else 0.0
    best = float(np.sort(actual[candidates])[::-1][:n].sum()) if n else 0.0
    area_share = n / inhabited_cells if inhabited_cells else float("nan")
    hit_rate = hits / total if total else float("nan")
    return {
        "cells": n,
        "area_share": area_share,
        "hit_rate": hit_rate,
        "pai": hit_rate / area_share if n and total else float("nan"),
        "pei": hits / best if best else float("nan"),
    }


def ranking_scores(
    score: np.ndarray,
    *,
    candidates: np.ndarray,
    actual: np.ndarray,
    total: int,
    shares=AREA_SHARES,
) -> dict[str, dict]:
    """Scores of a cell ranking when its top 1 / 5 / 10 % of the inhabited cells are flagged."""
    out = {}
    for share in shares:
        n = max(1, round(share * len(candidates)))
        selected = top_cells(score, candidates, n)
        out[f"{share:.0%}"] = selection_scores(
            selected,
            inhabited_cells=len(candidates),
            actual=actual,
            candidates=candidates,
            total=total,
        )
    return out
