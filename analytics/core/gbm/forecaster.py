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
    """The global model's expected counts, shape (horizon, regions), from position ``origin``
    (features only read the days before it)."""
    rows = build_features(matrix, np.array([origin]), total=total, holidays=params.holidays)
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


def choose_weight(actual: np.ndarray, gbm: np.ndarray, base: np.ndarray) -> tuple[float, dict]:
    """The blend weight with the lowest daily WAPE on the given (older) folds, and each
    weight's WAPE as the evidence."""
    total = np.abs(actual).sum()
    evidence = {
        f"{w:.2f}": float(np.abs(actual - blend(gbm, base, w)).sum() / total) if total else None
        for w in WEIGHTS
    }
    scored = [(v, float(k)) for k, v in evidence.items() if v is not None]
    weight = min(scored)[1] if scored else 1.0
    return weight, evidence
