"""Training and prediction of the global model, and its negative-binomial intervals.

The dispersion ``alpha`` (variance = mu + alpha * mu^2) is estimated by maximum likelihood
on the most recent ``holdout_days`` of the training data, predicted by a model that did not
see them; the final model is then refitted on every day. In-sample residuals would be too
small (the trees have seen them).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analytics.core.gbm.features import FEATURE_VERSION, LEVEL_WINDOW, MAX_HORIZON, build_features

Z = {"80": (0.1, 0.9), "95": (0.025, 0.975)}


@dataclass(frozen=True)
class GBMParams:
    rounds: int = 250
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 200
    feature_fraction: float = 0.8
    lambda_l2: float = 10.0
    threads: int = 1
    seed: int = 7
    min_history_days: int = 365  # below this the seasonal-change baseline is used alone
    holdout_days: int = 28  # recent days held out to estimate the dispersion
    train_days: int = 3 * 365  # origins older than this are not used for training
    origin_step: int = 2  # every n-th day as a training origin (consecutive ones overlap)
    holidays: tuple = field(default=())

    def lgb_params(self) -> dict:
        return {
            "objective": "poisson",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "lambda_l2": self.lambda_l2,
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }


@dataclass
class TrainedModel:
    """A fitted booster with what it needs to forecast and to be stored."""

    booster: lgb.Booster
    regions: list[str]
    alpha: float
    train_start: dt.date
    train_end: dt.date  # last target day seen in training
    rows: int
    seconds: float = 0.0
    feature_version: str = FEATURE_VERSION
    groups: dict = field(default_factory=dict)  # labels of the series (see build_features)

    def artefact(self) -> dict:
        return {
            "feature_version": self.feature_version,
            "train_start": str(self.train_start),
            "train_end": str(self.train_end),
            "rows": self.rows,
            "alpha": self.alpha,
            "regions": self.regions,
            "seconds": round(self.seconds, 2),
            **({"groups": sorted(self.groups)} if self.groups else {}),
        }


def _fit(rows, params: GBMParams) -> lgb.Booster:
    ok = ~np.isnan(rows.y)
    data = lgb.Dataset(
        rows.X[ok],
        label=rows.y[ok],
        init_score=rows.offset[ok],
        categorical_feature=[c for c in rows.X.columns if rows.X[c].dtype == "category"],
        free_raw_data=True,
    )
    return lgb.train(params.lgb_params(), data, num_boost_round=params.rounds)


def predict_mean(booster: lgb.Booster, rows) -> np.ndarray:
    """Expected counts: exp(trees + offset)."""
    return np.exp(booster.predict(rows.X, raw_score=True) + rows.offset)


def nb_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    """Maximum-likelihood dispersion of a negative binomial with known means."""
    ok = ~np.isnan(y) & (mu > 0)
    y, mu = y[ok], mu[ok]
    if len(y) < 10:
        return 0.05

    def nll(log_alpha: float) -> float:
        a = np.exp(log_alpha)
        r = 1 / a
        return -np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )

    best = optimize.minimize_scalar(nll, bounds=(np.log(1e-4), np.log(5.0)), method="bounded")
    return float(np.exp(best.x))


def training_origins(n: int, params: GBMParams, *, end: int | None = None) -> np.ndarray:
    """Origins whose whole horizon lies before ``end`` (default ``n``)."""
    end = n if end is None else end
    first = max(LEVEL_WINDOW, end - params.train_days)
    return np.arange(end - MAX_HORIZON, first - 1, -params.origin_step)[::-1]


def train(
    matrix: pd.DataFrame,
    params: GBMParams,
    *,
    total: pd.Series | None = None,
    groups: dict[str, list[str]] | None = None,
) -> TrainedModel:
    """Fit on every full week of ``matrix`` (a complete daily index, one column per series):
    first without the last ``holdout_days`` to estimate the dispersion, then on everything.
    ``groups``: labels of the columns as categorical features (region x category series)."""

    started = time.monotonic()
    n = len(matrix)
    if n < params.min_history_days:
        raise ValueError(f"{n} days of history, fewer than {params.min_history_days}")
    cut = n - params.holdout_days
    early = build_features(
        matrix.iloc[:cut],
        training_origins(cut, params),
        total=None if total is None else total.iloc[:cut],
        holidays=params.holidays,
        groups=groups,
    )
    booster = _fit(early, params)
    held = build_features(
        matrix,
        np.arange(cut, n - MAX_HORIZON + 1),
        total=total,
        holidays=params.holidays,
        groups=groups,
    )
    alpha = nb_alpha(held.y, predict_mean(booster, held))
    rows = build_features(
        matrix, training_origins(n, params), total=total, holidays=params.holidays, groups=groups
    )
    booster = _fit(rows, params)
    first = training_origins(n, params)[0]
    return TrainedModel(
        booster=booster,
        regions=[str(c) for c in matrix.columns],
        alpha=alpha,
        train_start=matrix.index[max(first - 364, 0)].date(),
        train_end=matrix.index[-1].date(),
        rows=int((~np.isnan(rows.y)).sum()),
        seconds=time.monotonic() - started,
        groups=dict(groups or {}),
    )


def nb_interval(mu: np.ndarray, alpha: float, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of a negative binomial with mean ``mu`` and dispersion ``alpha``,
    interpolated between integers (mid-distribution quantiles) so that the coverage of
    integer outcomes is not inflated by the atoms of small counts."""
    lo_q, hi_q = Z[level]
    mu = np.maximum(np.asarray(mu, float), 1e-9)
    r = 1 / max(alpha, 1e-6)
    p = r / (r + mu)
    return _mid_quantile(lo_q, r, p), _mid_quantile(hi_q, r, p)


def _mid_quantile(q: float, r: float, p: np.ndarray) -> np.ndarray:
    k = stats.nbinom.ppf(q, r, p)
    below = stats.nbinom.cdf(k - 1, r, p)
    mass = stats.nbinom.pmf(k, r, p)
    frac = np.where(mass > 0, (q - below) / np.maximum(mass, 1e-12), 0.5)
    return np.maximum(k + frac - 0.5, 0.0)
