"""Region x category forecasts by the global model: which series the history allows, the
pooling of sparse categories, reconciliation to the regions (means and intervals), and no
leakage (no database)."""

import numpy as np
import pandas as pd
import pytest

from analytics.core.backtest import MEAN28, MODEL
from analytics.core.gbm.backtest import raw_backtest
from analytics.core.gbm.categories import (
    OTHER,
    CategoryPlan,
    category_base,
    category_matrix,
    category_plan,
    pool_shares,
    reconcile_categories,
)
from analytics.core.gbm.features import build_features
from analytics.core.gbm.forecaster import GBM, interval_columns
from analytics.core.gbm.hierarchy import category_shares
from analytics.core.gbm.model import GBMParams, nb_interval
from analytics.core.methods import TOP_DOWN, category_method_rows, gbm_method_rows

FAST = GBMParams(rounds=40, min_data_in_leaf=50, origin_step=3)
RATES = {  # incidents a day
    ("a", "theft"): 6.0,
    ("a", "assault"): 3.0,
    ("a", "fraud"): 0.3,  # sparse: pooled into a's rest
    ("a", "arson"): 0.1,  # sparse: pooled into a's rest
    ("b", "theft"): 0.6,  # b has no category with enough incidents: split by shares
    ("b", "assault"): 0.3,
    ("c", "theft"): 4.0,
    ("c", "fraud"): 2.0,  # busy, but only for the last 200 days: pooled
}


def _pairs(days: int, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=days, freq="D")
    weekly = 1 + 0.25 * (index.day_of_week >= 5)
    city = rng.gamma(40, 1 / 40, days)  # a city-wide busy day moves every series
    data = {}
    for key, rate in RATES.items():
        lam = rate * weekly * city
        if key == ("c", "fraud"):
            lam = np.where(np.arange(days) >= days - 200, lam, 0.0)
        data[key] = rng.poisson(lam).astype(float)
    return pd.DataFrame(data, index=index)


def test_only_categories_with_a_year_of_enough_incidents_get_their_own_series():
    plan = category_plan(_pairs(700))
    assert plan.modelled == {"a": ["theft", "assault"], "c": ["theft"]}
    assert plan.pooled == {"a": ["fraud", "arson"], "c": ["fraud"]}
    assert "b" not in plan.modelled and "b" not in plan.pooled
    assert plan.columns() == [
        ("a", "theft"),
        ("a", "assault"),
        ("a", OTHER),
        ("c", "theft"),
        ("c", OTHER),
    ]
    matrix = category_matrix(_pairs(700), plan)
    pairs = _pairs(700)
    np.testing.assert_allclose(matrix[("a", OTHER)], pairs[("a", "fraud")] + pairs[("a", "arson")])


def test_under_a_year_of_history_nothing_is_modelled_and_every_region_is_split():
    pairs = _pairs(300)
    plan = category_plan(pairs)
    assert plan == CategoryPlan()
    base, model, why = category_base(pairs, plan, total=pairs.sum(axis=1), params=FAST)
    assert base is None and model is None and "enough history" in why
    region_mean = np.array([[10.0, 1.0, 6.0]] * 7)
    shares = category_shares(pairs, ["a", "b", "c"])
    means, source = reconcile_categories(region_mean, ["a", "b", "c"], plan, None, shares, {})
    assert set(source.values()) == {"split"}
    for r, region in enumerate("abc"):
        parts = sum(v for k, v in means.items() if k[0] == region)
        np.testing.assert_allclose(parts, region_mean[:, r])


def test_reconciled_categories_sum_to_their_region_and_regions_to_the_total():
    pairs = _pairs(700)
    plan = category_plan(pairs)
    regions = ["a", "b", "c"]
    region_mean = np.array([[11.0, 0.8, 7.0], [12.0, 0.9, 7.5]])
    # the category model's own means do not add up to the regions' (8+3+0.5 = 11.5 vs 11)
    base = np.array([[8.0, 3.0, 0.5, 4.5, 2.0], [8.0, 3.5, 0.5, 4.0, 2.5]])
    means, source = reconcile_categories(
        region_mean, regions, plan, base, category_shares(pairs, regions), pool_shares(pairs, plan)
    )
    for r, region in enumerate(regions):
        parts = sum(v for k, v in means.items() if k[0] == region)
        np.testing.assert_allclose(parts, region_mean[:, r])
    np.testing.assert_allclose(sum(means.values()), region_mean.sum(axis=1))
    # forecast proportions: a's theft keeps its share of a's modelled children
    np.testing.assert_allclose(means[("a", "theft")], region_mean[:, 0] * base[:, 0] / [11.5, 12])
    # the rest of a is split over the pooled categories by their recent shares (rates 3 : 1)
    ratio = means[("a", "fraud")] / means[("a", "arson")]
    assert ratio == pytest.approx(np.full(2, ratio[0])) and 1.5 < ratio[0] < 5
    assert source[("a", "fraud")] == "model" and source[("b", "theft")] == "split"
    assert ("c", "fraud") in means and ("c", OTHER) not in means
    for values in means.values():  # intervals around each reconciled mean
        columns = interval_columns(values, 0.05)
        assert np.all(columns["lower_95"] <= columns["lower_80"])
        assert np.all(columns["lower_80"] <= values) and np.all(values <= columns["upper_80"])
        assert np.all(columns["upper_80"] <= columns["upper_95"])


def test_a_category_interval_from_its_region_dispersion_is_calibrated():
    # a region's count is negative binomial; each incident falls in the category with
    # probability p: the category's count is negative binomial with the same dispersion
    rng = np.random.default_rng(11)
    mu, alpha, p = rng.uniform(5, 40, 60_000), 0.08, 0.3
    region = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    category = rng.binomial(region, p)
    for level, target in (("80", 0.80), ("95", 0.95)):
        lo, hi = nb_interval(p * mu, alpha, level)
        assert np.mean((category >= lo) & (category <= hi)) == pytest.approx(target, abs=0.012)


def test_category_features_and_forecasts_ignore_the_future():
    pairs = _pairs(560)
    plan = category_plan(pairs.iloc[:500])
    matrix = category_matrix(pairs, plan)
    matrix.columns = [f"{r}/{c}" for r, c in matrix.columns]
    groups = plan.groups()
    changed = matrix.copy()
    changed.iloc[500:] = changed.iloc[500:] * 4 + 3
    before = build_features(matrix, np.array([500]), groups=groups)
    after = build_features(changed, np.array([500]), groups=groups)
    pd.testing.assert_frame_equal(before.X, after.X)
    assert {"parent", "category"} <= set(before.X.columns)
    assert before.X["category"].dtype == "category"
    origin = pd.Timestamp(matrix.index[500])
    a = raw_backtest(matrix, [origin], FAST, total=matrix.sum(axis=1), groups=groups)
    b = raw_backtest(changed, [origin], FAST, total=changed.sum(axis=1), groups=groups)
    np.testing.assert_allclose(a[GBM], b[GBM])
    assert not np.allclose(a["actual"], b["actual"])


def test_the_category_backtest_is_coherent_and_decides_the_plan_before_its_folds():
    pairs = _pairs(700)
    regions = pd.DataFrame(
        {r: pairs[[k for k in pairs.columns if k[0] == r]].sum(axis=1) for r in "abc"}
    )
    total = regions.sum(axis=1)
    origins = [pd.Timestamp(regions.index[-14]), pd.Timestamp(regions.index[-7])]
    older = [pd.Timestamp(regions.index[-21])]
    region_parts, _choice, raw = gbm_method_rows(
        regions, origins, older, FAST, total=total, retrain_every=2
    )
    region_rows = pd.concat(region_parts, ignore_index=True)
    rows, info = category_method_rows(
        pairs, origins, (region_rows, raw), FAST, total=total, retrain_every=2
    )
    assert info["coherent"] and info["modelled_pairs"] == ["a/theft", "a/assault", "c/theft"]
    assert set(rows["method"]) == {MODEL, TOP_DOWN, MEAN28, "same_day_last_week"}
    model = rows[rows["method"] == MODEL]
    summed = model.assign(region=model["series"].str.split("/").str[0])
    summed = summed.groupby(["origin", "date", "region"])["yhat"].sum()
    regional = region_rows[region_rows["method"] == MODEL].set_index(["origin", "date", "series"])
    np.testing.assert_allclose(summed.to_numpy(), regional.loc[summed.index, "yhat"].to_numpy())
    # every method is scored on the same pairs and folds
    counts = rows.groupby("method").size()
    assert counts.nunique() == 1 and counts.iloc[0] == 2 * 7 * model["series"].nunique()
    # a busy week after the first fold does not change which pairs are modelled
    later = pairs.copy()
    later.loc[later.index >= origins[0], ("b", "theft")] = 30.0
    _rows, again = category_method_rows(
        later, origins, (region_rows, raw), FAST, total=total, retrain_every=2
    )
    assert again["modelled_pairs"] == info["modelled_pairs"]
