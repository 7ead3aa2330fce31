"""The production forecaster: the global model blended with the seasonal-change baseline
(weight chosen on older folds), the baseline alone as the fallback, negative-binomial
intervals around either."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.core.gbm.baseline import baseline_mean
from analytics.core.gbm.features import MAX_HORIZON, build_features
from analytics.core.gbm.model import GBMParams, TrainedModel, nb_alpha, nb_interval, predict_mean

GBM = "gbm"
SEASONAL = "seasonal_baseline"
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # share of the global model in the blend
INTERVAL_COLUMNS = ("lower_80", "upper_80", "lower_95", "upper_95")


def model_mean(
    model: TrainedModel, matrix: pd.DataFrame, origin: int, *, total=None, params: GBMParams
) -> np.ndarray:
    """The global model's expected counts, shape (horizon, series), from position ``origin``
    (features only read the days before it)."""
    rows = build_features(
        matrix, np.array([origin]), total=total, holidays=params.holidays, groups=model.groups
    )
    return predict_mean(model.booster, rows).reshape(MAX_HORIZON, matrix.shape[1])


def baseline_alpha(matrix: pd.DataFrame, *, total=None, days: int = 28) -> float:
    """Dispersion of the baseline's errors over the last ``days`` days (daily origins)."""
    n = len(matrix)
    actual, predicted = [], []
    for origin in range(max(n - days, 28), n - MAX_HORIZON + 1, 7):
        predicted.append(baseline_mean(matrix.iloc[:n], origin, total=total))
        actual.append(matrix.iloc[origin : origin + MAX_HORIZON].to_numpy())
    if not actual:
        return 0.05
    return nb_alpha(np.concatenate(actual).ravel(), np.concatenate(predicted).ravel())


def blend(gbm: np.ndarray, base: np.ndarray, weight: float) -> np.ndarray:
    return weight * gbm + (1 - weight) * base


def interval_columns(mean: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """``yhat`` and the 80 % / 95 % negative-binomial intervals around ``mean``."""
    lo80, hi80 = nb_interval(mean, alpha, "80")
    lo95, hi95 = nb_interval(mean, alpha, "95")
    return {"yhat": mean, "lower_80": lo80, "upper_80": hi80, "lower_95": lo95, "upper_95": hi95}


def method_name(weight: float | None) -> str:
    if weight is None or weight == 0:
        return SEASONAL
    return GBM


def choose_weight(
    actual: np.ndarray,
    gbm: np.ndarray,
    base: np.ndarray,
    blocks: np.ndarray | None = None,
    *,
    confidence: float = 0.9,
    draws: int = 500,
    seed: int = 7,
) -> tuple[float, dict]:
    """The blend weight for production, from older folds: the weight with the lowest daily
    WAPE, kept only when it beats the global model alone in at least ``confidence`` of the
    bootstrap draws of the ``blocks`` (series x fold); otherwise the global model alone (a
    few folds' difference of a per cent is noise, and a blend is a claim that it helps).
    The evidence lists each weight's WAPE and that share."""
    total = np.abs(actual).sum()
    if not total:
        return 1.0, {"weights": {f"{w:.2f}": None for w in WEIGHTS}, "confidence": None}
    errors = np.stack([np.abs(actual - blend(gbm, base, w)) for w in WEIGHTS])
    evidence = {f"{w:.2f}": float(errors[i].sum() / total) for i, w in enumerate(WEIGHTS)}
    best = int(np.argmin(errors.sum(axis=1)))
    alone = WEIGHTS.index(1.0)
    if best == alone:
        return 1.0, {"weights": evidence, "confidence": None}
    blocks = np.arange(len(actual)) if blocks is None else blocks
    _, block = np.unique(blocks, return_inverse=True)
    per_block = np.stack([np.bincount(block, weights=e) for e in (errors[best], errors[alone])])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, per_block.shape[1], size=(draws, per_block.shape[1]))
    sums = per_block[:, picks].sum(axis=2)
    share = float(np.mean(sums[0] < sums[1]))
    weight = WEIGHTS[best] if share >= confidence else 1.0
    return weight, {"weights": evidence, "best": WEIGHTS[best], "confidence": share}
