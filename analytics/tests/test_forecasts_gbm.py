"""The global model in the forecasts step: coherent totals, the stored model, the fallback
and the per-profile choice of forecaster."""

import datetime as dt

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from django.db.models import Sum

from analytics.choices import RunKind, RunStatus
from analytics.core.gbm.features import FEATURE_VERSION
from analytics.core.gbm.hierarchy import category_shares, reconcile, rescale_coherent
from analytics.models import Forecast, ForecastModel, ModelRun
from analytics.profiles import AnalyticsProfile
from analytics.services.evaluation import evaluation_params_for
from analytics.services.forecasts_gbm import gbm_forecast_rows
from incidents.tests.factories import CategoryFactory, RegionFactory, square

END = pd.Timestamp("2025-06-01")


def synthetic_frame(days: int, seed: int = 2) -> pd.DataFrame:
    """Two regions, two categories, a weekly rhythm and a busy 1st of the month."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range(END - pd.Timedelta(days=days), END - pd.Timedelta(days=1)):
        bump = 1.3 if day.day == 1 else 1.0
        for region, rate in (("north", 12), ("south", 5)):
            for category, share in (("theft", 0.7), ("assault", 0.3)):
                n = rng.poisson(rate * share * bump * (1.2 if day.day_of_week >= 5 else 1))
                rows += [(day + pd.Timedelta(hours=10), region, category)] * n
    return pd.DataFrame(rows, columns=["occurred_at", "region", "category"])


@pytest.fixture
def places(db):
    regions = {
        code: RegionFactory(profile="kuwait", code=code, geom=square(48.0, 29.3 + i * 0.2))
        for i, code in enumerate(("north", "south"))
    }
    categories = {code: CategoryFactory(code=code) for code in ("theft", "assault")}
    return regions, categories


def run_forecasts(places, days):
    regions, categories = places
    parent = ModelRun.objects.create(kind=RunKind.PIPELINE, status=RunStatus.RUNNING)
    run = ModelRun.objects.create(kind=RunKind.FORECASTS, parent=parent)
    frame = synthetic_frame(days)
    metrics = gbm_forecast_rows(
        run=run,
        frame=frame,
        first_day=END - pd.Timedelta(days=days),
        end=END,
        holidays=(dt.date(2025, 6, 3),),
        regions=regions,
        categories=categories,
    )
    return run, metrics


def test_totals_and_categories_add_up_to_the_regions(places):
    run, metrics = run_forecasts(places, days=560)
    assert metrics["coherent"] and metrics["forecaster"] == "gbm"
    rows = Forecast.objects.filter(run=run)
    assert rows.count() == 7 * (1 + 2 + 4) and set(rows.values_list("method", flat=True)) == {"gbm"}
    for day in rows.values_list("date", flat=True).distinct():
        national = rows.get(date=day, region=None).yhat
        regions = rows.filter(date=day, region__isnull=False, category=None)
        assert national == pytest.approx(regions.aggregate(s=Sum("yhat"))["s"], abs=0.01)
        for region in regions:
            parts = rows.filter(date=day, region=region.region, category__isnull=False)
            assert parts.aggregate(s=Sum("yhat"))["s"] == pytest.approx(region.yhat, abs=0.01)
    assert all(r.lower_95 <= r.lower_80 <= r.yhat <= r.upper_80 <= r.upper_95 for r in rows)
    north = rows.filter(region__code="north", category=None).aggregate(s=Sum("yhat"))["s"]
    assert north == pytest.approx(7 * 12 * 1.06, rel=0.2)


def test_the_trained_model_is_stored_with_its_window_and_choice(places):
    run, _metrics = run_forecasts(places, days=560)
    stored = ForecastModel.objects.get(run=run)
    assert stored.feature_version == FEATURE_VERSION and stored.method == "gbm"
    assert stored.train_end == dt.date(2025, 5, 31) and stored.train_start < stored.train_end
    booster = lgb.Booster(model_str=stored.model_text)  # the text loads back as a model
    assert booster.num_trees() > 0
    assert set(stored.details["evidence"]["weights"]) == {"0.00", "0.25", "0.50", "0.75", "1.00"}
    assert 0 <= stored.details["weight_gbm"] <= 1 and stored.details["alpha"] > 0


def test_short_history_falls_back_to_the_baseline_and_stays_coherent(places):
    run, _metrics = run_forecasts(places, days=200)
    rows = Forecast.objects.filter(run=run)
    assert set(rows.values_list("method", flat=True)) == {"seasonal_baseline"}
    stored = ForecastModel.objects.get(run=run)
    assert stored.model_text == "" and "baseline alone" in stored.details["evidence"]["reason"]
    first = rows.filter(date=END.date())
    national = first.get(region=None).yhat
    assert national == pytest.approx(
        sum(r.yhat for r in first.filter(region__isnull=False, category=None)), abs=0.01
    )


def test_reconciliation_sums_and_shares():
    counts = pd.DataFrame(
        {("a", "x"): [1.0, 3.0], ("a", "y"): [1.0, 0.0], ("b", "x"): [0.0, 0.0]},
        index=pd.date_range("2025-01-01", periods=2),
    )
    shares = category_shares(counts, ["a", "b"])
    assert shares == {"a": {"x": 0.8, "y": 0.2}}  # b has no history: no category rows
    mean = np.array([[10.0, 2.0], [20.0, 4.0]])
    total, parts = reconcile(mean, ["a", "b"], shares)
    np.testing.assert_allclose(total, [12.0, 24.0])
    np.testing.assert_allclose(parts[("a", "x")] + parts[("a", "y")], mean[:, 0])


def test_prophet_stays_selectable_per_profile(settings, db):
    settings.ANALYTICS_FORECASTER = "gbm"
    settings.ANALYTICS_FORECASTER_BY_PROFILE = {"kuwait": "prophet"}
    kuwait, chicago = AnalyticsProfile.load("kuwait"), AnalyticsProfile.load("chicago")
    assert (kuwait.forecaster, chicago.forecaster) == ("prophet", "gbm")
    assert evaluation_params_for(kuwait, END).forecaster == "prophet"
    assert evaluation_params_for(chicago, END).forecaster == "gbm"


def test_separately_fitted_forecasts_are_rescaled_to_add_up():
    def frame(values):
        values = np.asarray(values, float)
        return pd.DataFrame(
            {
                "date": pd.date_range("2025-06-01", periods=2).date,
                "yhat": values,
                "lower_80": values * 0.8,
                "upper_80": values * 1.2,
                "lower_95": values * 0.6,
                "upper_95": values * 1.4,
            }
        )

    frames = {
        ("__all__", None): frame([30, 30]),
        ("a", None): frame([10, 20]),
        ("b", None): frame([15, 15]),
        ("a", "x"): frame([4, 5]),
        ("a", "y"): frame([4, 5]),
    }
    out = rescale_coherent(frames, "__all__")
    np.testing.assert_allclose(out[("__all__", None)]["yhat"], [25, 35])
    np.testing.assert_allclose(out[("a", "x")]["yhat"] + out[("a", "y")]["yhat"], [10, 20])
    np.testing.assert_allclose(out[("a", "x")]["upper_80"], out[("a", "x")]["yhat"] * 1.2)
    np.testing.assert_allclose(out[("b", None)]["yhat"], [15, 15])


@pytest.fixture
def sparse_places(db):
    regions = {
        code: RegionFactory(profile="kuwait", code=code, geom=square(48.0, 29.3 + i * 0.2))
        for i, code in enumerate(("north", "east"))
    }
    categories = {code: CategoryFactory(code=code) for code in ("theft", "assault", "fraud")}
    return regions, categories


def test_sparse_categories_are_pooled_or_split_and_everything_adds_up(sparse_places):
    regions, categories = sparse_places
    rng = np.random.default_rng(8)
    rates = {("north", "theft"): 8, ("north", "assault"): 3, ("north", "fraud"): 0.2}
    rates |= {("east", "theft"): 0.5, ("east", "assault"): 0.2}  # east: too few for a model
    rows = []
    for day in pd.date_range(END - pd.Timedelta(days=560), END - pd.Timedelta(days=1)):
        for (region, category), rate in rates.items():
            rows += [(day + pd.Timedelta(hours=9), region, category)] * rng.poisson(rate)
    frame = pd.DataFrame(rows, columns=["occurred_at", "region", "category"])
    run = ModelRun.objects.create(kind=RunKind.FORECASTS)
    metrics = gbm_forecast_rows(
        run=run,
        frame=frame,
        first_day=END - pd.Timedelta(days=560),
        end=END,
        holidays=(),
        regions=regions,
        categories=categories,
    )
    info = metrics["categories"]
    assert info["coherent"] and info["fallback"] == ""
    assert (info["modelled_series"], info["pooled_series"]) == (2, 1)
    assert info["pooled"] == {"north": ["fraud"]} and info["regions_modelled"] == ["north"]
    assert (info["model_series"], info["split_series"]) == (3, 2)
    stored = Forecast.objects.filter(run=run)
    assert stored.count() == 7 * (1 + 2 + 5)
    for day in stored.values_list("date", flat=True).distinct():
        national = stored.get(date=day, region=None).yhat
        by_region = stored.filter(date=day, region__isnull=False, category=None)
        assert national == pytest.approx(by_region.aggregate(s=Sum("yhat"))["s"], abs=0.01)
        for region in by_region:
            parts = stored.filter(date=day, region=region.region, category__isnull=False)
            assert parts.aggregate(s=Sum("yhat"))["s"] == pytest.approx(region.yhat, abs=0.01)
    assert all(r.lower_95 <= r.lower_80 <= r.yhat <= r.upper_80 <= r.upper_95 for r in stored)
    details = ForecastModel.objects.get(run=run).details["categories"]
    assert details["feature_version"].endswith("-cat") and details["groups"] == [
        "category",
        "parent",
    ]
    assert lgb.Booster(model_str=details["model_text"]).num_trees() > 0
