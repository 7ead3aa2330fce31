"""The efficiency backtest on a constructed city: risk-driven places beat spreading units
over beats, and the arithmetic of the proportional baseline."""

import numpy as np
import pandas as pd

from analytics.core.projection import projection_for
from patrol.core.backtest import BacktestConfig, allocate_units, backtest


def test_units_are_spread_in_proportion_to_counts_and_sum_to_the_total():
    assert allocate_units({"a": 50, "b": 30, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    assert sum(allocate_units({"a": 1, "b": 1, "c": 1}, 10).values()) == 10


def test_concentrated_crime_is_covered_better_by_the_plan_than_by_beats():
    rng = np.random.default_rng(3)
    end = pd.Timestamp("2026-03-01")
    n_days = 120
    rows = []
    for day in range(n_days):
        base = end - pd.Timedelta(days=n_days - day)
        for _ in range(6):  # a hot corner in beat b1
            rows.append(
                (
                    base + pd.Timedelta(hours=rng.uniform(0, 24)),
                    47.975 + rng.normal(0, 0.0004),
                    29.37 + rng.normal(0, 0.0004),
                    "b1",
                )
            )
        for _ in range(6):  # spread over both beats
            lon = rng.uniform(47.95, 48.05)
            rows.append(
                (
                    base + pd.Timedelta(hours=rng.uniform(0, 24)),
                    lon,
                    rng.uniform(29.33, 29.41),
                    "b1" if lon < 48.0 else "b2",
                )
            )
    frame = pd.DataFrame(rows, columns=["occurred_at", "lon", "lat", "beat"])
    frame["region"] = "r1"
    frame["category"] = "theft"
    config = BacktestConfig(weeks=1, units=2, time_limit_s=0.5, top_cells=40)
    report = backtest(frame.sort_values("occurred_at"), projection_for(32638), config, end)
    assert report["shifts"] == 21
    per_hour = report["incidents_per_patrol_hour"]
    # The plan never has a lower expected objective than greedy (the solver keeps greedy's
    # answer otherwise), but CP-SAT stops at a wall-clock limit, so under load the plan it
    # picks can cover a few realised incidents fewer in a given week: within 3 %.
    assert per_hour["plan"] >= 0.97 * per_hour["greedy"]
    assert per_hour["plan"] > 1.25 * per_hour["proportional"]
