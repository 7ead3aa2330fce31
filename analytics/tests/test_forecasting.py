"""Forecast shape and intervals, the simple fallback, the 1st-of-month artefact."""

import numpy as np
import pandas as pd
import pytest

from analytics.core.forecasting import (
    PROPHET,
    SIMPLE,
    ForecastParams,
    burst_days,
    first_of_month_excess,
    forecast_many,
    forecast_series,
    weekday_factors,
)


def weekly_series(days: int, seed: int = 5) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2023-01-01", periods=days, freq="D")
    weekend = np.isin(index.day_of_week, [4, 5])  # Friday-Saturday weekend is busier
    return pd.Series(rng.poisson(np.where(weekend, 30, 15)).astype(float), index=index)


def test_forecasts_have_seven_days_with_nested_intervals_and_learn_the_weekend():
    series = {"busy": weekly_series(400), "short": weekly_series(40)}
    results = {r.key: r for r in forecast_many(series, ForecastParams(), workers=2)}
    busy, short = results["busy"], results["short"]
    assert busy.method == PROPHET and short.method == SIMPLE
    for result in (busy, short):
        frame = result.frame
        assert len(frame) == 7
        assert frame["date"].iloc[0] == (series[result.key].index[-1] + pd.Timedelta(days=1)).date()
        assert (frame["lower_95"] <= frame["lower_80"] + 1e-9).all()
        assert (frame["lower_80"] <= frame["yhat"] + 1e-9).all() and (
            frame["yhat"] <= frame["upper_80"] + 1e-9
        ).all()
        assert (frame["upper_80"] <= frame["upper_95"] + 1e-9).all()
        assert (frame[["yhat", "lower_95"]] >= 0).all().all()
    dates = pd.to_datetime(busy.frame["date"])
    weekend = busy.frame.loc[dates.dt.day_of_week.isin([4, 5]).to_numpy(), "yhat"].mean()
    weekdays = busy.frame.loc[~dates.dt.day_of_week.isin([4, 5]).to_numpy(), "yhat"].mean()
    assert weekend > 1.5 * weekdays
    assert (busy.frame["upper_95"] - busy.frame["lower_95"]).mean() > (
        busy.frame["upper_80"] - busy.frame["lower_80"]
    ).mean()


def test_a_failing_series_fails_alone():
    broken = pd.Series([1.0, np.inf, 2.0] * 100, index=pd.date_range("2023-01-01", periods=300))
    results = {
        r.key: r
        for r in forecast_many(
            {"ok": weekly_series(30), "broken": broken}, ForecastParams(), workers=1
        )
    }
    assert results["ok"].frame is not None and not results["ok"].error
    assert results["broken"].frame is None and results["broken"].error


def test_first_of_month_spike_is_detected():
    series = weekly_series(730)
    clean = first_of_month_excess(series)
    spiked = series.copy()
    spiked[spiked.index.day == 1] *= 1.4
    flagged = first_of_month_excess(spiked)
    assert not clean["flagged"]
    assert flagged["flagged"] and flagged["ratio"] == pytest.approx(1.4, abs=0.1)


def test_weekday_profile_is_shrunk_to_flat_when_the_rhythm_is_only_noise():
    rng = np.random.default_rng(11)
    index = pd.date_range("2023-01-01", periods=420, freq="D")
    flat = pd.Series(rng.poisson(30, len(index)).astype(float), index=index)
    future = pd.date_range(index[-1] + pd.Timedelta(days=1), periods=7)
    assert np.abs(weekday_factors(flat, future) - 1).max() < 0.03
    assert weekday_factors(weekly_series(420), future).max() > 1.25  # a real weekend is kept


def test_simple_method_is_not_worse_than_the_flat_28_day_mean_on_flat_series():
    """Ten flat Poisson series, eight weekly folds each: an eight-week weekday profile lost
    3.6 % to the flat mean here; the shrunk one-year profile must stay within 1 %."""
    params, errors = ForecastParams(), {"simple": 0.0, "mean28": 0.0}
    index = pd.date_range("2023-01-01", periods=420, freq="D")
    for seed in range(10):
        rng = np.random.default_rng(seed)
        flat = pd.Series(rng.poisson(30, len(index)).astype(float), index=index)
        for fold in range(1, 9):
            history, actual = flat.iloc[: -7 * fold], flat.iloc[-7 * fold :].iloc[:7].to_numpy()
            _, frame = forecast_series(history, params, SIMPLE)
            errors["simple"] += np.abs(frame["yhat"].to_numpy() - actual).sum()
            errors["mean28"] += np.abs(history.tail(28).mean() - actual).sum()
    assert errors["simple"] <= errors["mean28"] * 1.01


def burst_series(days: int = 500, seed: int = 2) -> tuple[pd.Series, slice]:
    """Flat Poisson(12) counts with a four-week burst of +40 a day ending seven weeks before
    the series does (a short-lived hotspot)."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2023-01-01", periods=days, freq="D")
    rate = np.full(days, 12.0)
    burst = slice(days - 77, days - 49)
    rate[burst] += 40
    return pd.Series(rng.poisson(rate).astype(float), index=index), burst


def test_burst_days_are_found_and_ordinary_days_are_not():
    series, burst = burst_series()
    flagged = burst_days(series, ForecastParams())
    assert flagged.iloc[burst].mean() > 0.9
    outside = flagged.copy()
    outside.iloc[burst] = False
    assert outside.sum() <= 2


def test_a_burst_that_ended_does_not_make_prophet_worse_than_the_flat_mean():
    """After a short-lived burst the flat 28-day mean is as good as it gets: on the four
    folds after it, the forecast may not lose to it, while leaving the burst days in
    Prophet's training (``burst_sigma=None``) bends the trend and loses."""
    series, _ = burst_series()

    def wape(params: ForecastParams) -> tuple[float, float]:
        model = mean = total = 0.0
        for fold in range(1, 5):
            history, actual = series.iloc[: -7 * fold], series.iloc[-7 * fold :].iloc[:7]
            method, frame = forecast_series(history, params)
            assert method == PROPHET
            model += np.abs(frame["yhat"].to_numpy() - actual.to_numpy()).sum()
            mean += np.abs(history.tail(28).mean() - actual.to_numpy()).sum()
            total += actual.sum()
        return model / total, mean / total

    masked, baseline = wape(ForecastParams())
    unmasked, _ = wape(ForecastParams(burst_sigma=None))
    assert masked <= baseline * 1.01
    assert unmasked > masked
