"""Backtest arithmetic and PAI/PEI against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from analytics.core.backtest import (
    MEAN28,
    MODEL,
    SNAIVE,
    baseline_forecasts,
    daily_matrix,
    fold_origins,
    score_backtest,
)
from analytics.core.metrics import coverage, mae, ranking_scores, selection_scores, wape


def test_pai_and_pei_on_a_constructed_grid():
    # 10 inhabited cells; next week: 6 incidents in cell 0, 2 in cell 1, 2 in cell 5; 10 in all
    actual = np.zeros(12)
    actual[[0, 1, 5]] = [6, 2, 2]
    candidates = np.arange(10)
    scores = selection_scores(
        np.array([0, 1]), inhabited_cells=10, actual=actual, candidates=candidates, total=10
    )
    assert scores["hit_rate"] == pytest.approx(0.8)
    assert scores["pai"] == pytest.approx(0.8 / 0.2)
    assert scores["pei"] == pytest.approx(8 / 8)
    worse = selection_scores(
        np.array([1, 2]), inhabited_cells=10, actual=actual, candidates=candidates, total=10
    )
    assert worse["pai"] == pytest.approx(0.2 / 0.2) and worse["pei"] == pytest.approx(2 / 8)


def test_ranking_scores_flag_the_top_cells():
    actual = np.array([5.0, 0, 0, 1, 0, 0, 0, 0, 0, 4])
    score = np.arange(10, dtype=float)  # ranks cell 9 first
    ranked = ranking_scores(
        score, candidates=np.arange(10), actual=actual, total=10, shares=(0.1, 0.2)
    )
    assert ranked["10%"]["hit_rate"] == pytest.approx(0.4) and ranked["10%"][
        "pai"
    ] == pytest.approx(4.0)
    assert ranked["20%"]["pei"] == pytest.approx(4 / 9)


def test_count_metrics_by_hand():
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert wape([10, 0, 10], [8, 1, 13]) == pytest.approx(6 / 20)
    assert coverage([1, 5, 9], [0, 6, 8], [2, 7, 10]) == pytest.approx(2 / 3)


def test_baselines_by_hand():
    y = pd.Series(np.arange(1, 64, dtype=float), index=pd.date_range("2024-01-01", periods=63))
    baselines = baseline_forecasts(y, 7)
    assert baselines[SNAIVE]["yhat"].tolist() == [57, 58, 59, 60, 61, 62, 63]
    assert baselines[MEAN28]["yhat"].tolist() == [pytest.approx(np.mean(np.arange(36, 64)))] * 7
    # y(t) - y(t-7) is always 7: a zero-width empirical interval around the point
    assert (baselines[SNAIVE]["upper_95"] - baselines[SNAIVE]["yhat"]).abs().max() == pytest.approx(
        7.0
    )


def test_score_backtest_by_hand():
    origin = pd.Timestamp("2024-03-04")
    rows = []
    for method, preds in ((MODEL, [9, 11]), (SNAIVE, [5, 15]), (MEAN28, [10, 14])):
        for day, (actual, pred) in enumerate(zip([10, 10], preds, strict=True)):
            rows.append(
                {
                    "series": "r1",
                    "origin": origin,
                    "date": origin + pd.Timedelta(days=day),
                    "method": method,
                    "actual": actual,
                    "yhat": pred,
                    "lower_80": pred - 1,
                    "upper_80": pred + 0.5,
                    "lower_95": pred - 2,
                    "upper_95": pred + 2,
                }
            )
    scores = score_backtest(pd.DataFrame(rows))
    model = scores["methods"][MODEL]
    assert model["mae"] == pytest.approx(1.0)
    assert model["wape_daily"] == pytest.approx(2 / 20)
    assert model["wape_weekly"] == pytest.approx(0.0)  # 9 + 11 = 20 = 10 + 10
    assert model["coverage_80"] == pytest.approx(0.5)  # 10 in [8, 9.5]? no; 10 in [10, 11.5] yes
    assert scores["methods"][MEAN28]["wape_daily"] == pytest.approx(4 / 20)
    assert scores["methods"][SNAIVE]["wape_daily"] == pytest.approx(10 / 20)
    assert scores["accuracy"] == pytest.approx(0.9)
    assert scores["best_baseline"] == MEAN28
    assert scores["skill"] == pytest.approx(1 - 0.1 / 0.2)


def test_daily_matrix_fills_missing_days_and_folds_step_back_weekly():
    times = pd.Series(pd.to_datetime(["2024-01-01 10:00", "2024-01-01 23:59", "2024-01-03 00:00"]))
    keys = pd.Series(["a", "b", "a"])
    matrix = daily_matrix(
        times, keys, start=pd.Timestamp("2024-01-01"), end=pd.Timestamp("2024-01-04")
    )
    assert matrix["a"].tolist() == [1, 0, 1] and matrix["b"].tolist() == [1, 0, 0]
    assert fold_origins(pd.Timestamp("2024-03-01"), 2) == [
        pd.Timestamp("2024-02-16"),
        pd.Timestamp("2024-02-23"),
    ]
