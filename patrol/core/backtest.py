"""Backtest of patrol allocation, shift by shift (no database: a frame of incidents).

For every shift of the last weeks, with the same units and minutes, compare the incidents
covered (an incident counts when it falls in a patrolled area while it is patrolled; with
minutes m at an area over a shift of M minutes, each of its incidents counts m / M):
(a) the CP-SAT plan, (b) the greedy baseline, both over places made of the riskiest cells
for that shift; (c) today's practice: units spread over regions in proportion to the last
28 days' counts, each region's minutes spread evenly over its busiest beats. A unit on a
beat covers a footprint the size of a full patrol place at a time, so (c) counts a beat's
incidents in proportion footprint ÷ beat area (its inhabited cells)."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.core.grid import Grid
from analytics.core.projection import MetricProjection
from analytics.core.risk import RiskParams, risk_surface
from patrol.core.places import group_cells
from patrol.core.problem import Params, PlaceSpec, UnitSpec
from patrol.core.schedule import plan_windows
from patrol.core.solver import solve_allocate


@dataclass(frozen=True)
class BacktestConfig:
    weeks: int = 8
    units: int = 40
    budget_minutes: int = 240
    shift_hours: int = 8
    first_shift_hour: int = 6
    top_cells: int = 800
    cells_per_place: int = 4
    work_limit: float = 1.0  # CP-SAT deterministic time per shift (reproducible)
    time_limit_s: float = 30.0  # wall-clock safety cap per shift
    seed: int = 1
    band_prior: float = (
        20.0  # incidents of pseudo-count pulling a cell's hour profile to the city's
    )
    jobs: int = 1  # processes solving days in parallel (same result: each solve is deterministic)


def allocate_units(counts: dict[str, float], total: int) -> dict[str, int]:
    """Units per region in proportion to ``counts`` (largest remainder), summing to ``total``."""
    keys = sorted(counts)
    weights = np.array([counts[k] for k in keys], dtype=float)
    if not keys or weights.sum() <= 0:
        return {}
    exact = weights / weights.sum() * total
    base = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - base), kind="stable")[: total - base.sum()]:
        base[i] += 1
    return {k: int(n) for k, n in zip(keys, base, strict=True) if n > 0}


class _City:
    """Everything fixed over the backtest: grid, each incident's cell, region and beat."""

    def __init__(self, frame: pd.DataFrame, projection: MetricProjection):
        self.frame = frame.reset_index(drop=True)
        self.projection = projection
        x, y = projection.forward(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        self.grid = Grid.covering(x, y, RiskParams().cell_m)
        self.idx = self.grid.index(x, y)
        self.t = frame["occurred_at"].to_numpy(dtype="datetime64[ns]")
        self.hour = frame["occurred_at"].dt.hour.to_numpy()
        self.region = frame["region"].astype(str).to_numpy()
        self.beat = frame["beat"].astype(str).to_numpy() if "beat" in frame else self.region
        cell_region = (
            pd.Series(self.region).groupby(self.idx).agg(lambda s: s.value_counts().index[0])
        )
        self.cell_region = cell_region.to_dict()
        beat_cells = pd.DataFrame({"beat": self.beat, "cell": self.idx}).drop_duplicates()
        self.beat_area = beat_cells.groupby("beat").size().to_dict()


def _band_share(city: _City, mask: np.ndarray, hours: np.ndarray, prior: float) -> np.ndarray:
    """Per cell: the share of its incidents in the shift's hours, shrunk to the city's."""
    grid = city.grid
    in_band = np.isin(city.hour, hours)
    total = grid.counts(city.idx[mask])
    band = grid.counts(city.idx[mask & in_band])
    city_share = band.sum() / max(total.sum(), 1)
    return (band + prior * city_share) / (total + prior)


def _places(
    city: _City, rate: np.ndarray, config: BacktestConfig
) -> tuple[list[PlaceSpec], list[np.ndarray]]:
    order = np.argsort(-rate)[: config.top_cells * 2]
    rows, cols = np.divmod(order, city.grid.nx)
    groups = group_cells(
        cols, rows, rate[order], top=config.top_cells, max_cells=config.cells_per_place
    )
    places, cells = [], []
    for key, group in enumerate(groups):
        flat = order[group]
        x, y = city.grid.centres(flat)
        lon, lat = city.projection.inverse([x.mean()], [y.mean()])
        region = city.cell_region.get(int(flat[0]), "")
        places.append(PlaceSpec(key, float(lon[0]), float(lat[0]), float(rate[flat].sum()), region))
        cells.append(flat)
    return places, cells


def _stations(
    city: _City, recent: np.ndarray, per_region: dict[str, int], budget: int
) -> list[UnitSpec]:
    units = []
    lon, lat = city.frame["lon"].to_numpy(), city.frame["lat"].to_numpy()
    for region, n in per_region.items():
        mine = recent & (city.region == region)
        for _ in range(n):
            units.append(
                UnitSpec(
                    len(units), float(lon[mine].mean()), float(lat[mine].mean()), budget, (region,)
                )
            )
    return units


def _covered(
    minutes: dict[int, float], cells: list[np.ndarray], actual: np.ndarray, shift_minutes: int
) -> float:
    return sum(m / shift_minutes * actual[cells[p]].sum() for p, m in minutes.items())


def _baseline(
    city: _City,
    recent: np.ndarray,
    shift_mask: np.ndarray,
    per_region: dict[str, int],
    config: BacktestConfig,
) -> float:
    """(c): each region's minutes evenly over its busiest beats (by the last 28 days)."""
    shift_minutes = config.shift_hours * 60
    recent_beats = pd.Series(city.beat[recent]).groupby(city.region[recent]).value_counts()
    shift_beats = pd.Series(city.beat[shift_mask]).value_counts().to_dict()
    covered = 0.0
    for region, n in per_region.items():
        busiest = recent_beats.loc[region].index[: n * 4] if region in recent_beats.index else []
        if not len(busiest):
            continue
        per_beat = n * config.budget_minutes / len(busiest)
        for beat in busiest:
            footprint = min(1.0, config.cells_per_place / city.beat_area[beat])
            covered += shift_beats.get(beat, 0) * per_beat / shift_minutes * footprint
    return covered


def _shift(city, day, band, score, config, totals) -> None:
    start = day + pd.Timedelta(hours=config.first_shift_hour + band * config.shift_hours)
    hours = (np.arange(config.shift_hours) + start.hour) % 24
    year = (city.t >= np.datetime64(day - pd.Timedelta(days=365))) & (city.t < np.datetime64(day))
    recent = (city.t >= np.datetime64(day - pd.Timedelta(days=28))) & (city.t < np.datetime64(day))
    rate = score / 7 * _band_share(city, year, hours, config.band_prior) / config.shift_hours
    places, cells = _places(city, rate, config)
    per_region = allocate_units(
        pd.Series(city.region[recent]).value_counts().to_dict(), config.units
    )
    units = _stations(city, recent, per_region, config.budget_minutes)
    params = Params(
        shift_minutes=config.shift_hours * 60,
        work_limit=config.work_limit,
        time_limit_s=config.time_limit_s,
        seed=config.seed,
    )
    shift_mask = (city.t >= np.datetime64(start)) & (
        city.t < np.datetime64(start + pd.Timedelta(hours=config.shift_hours))
    )
    actual = city.grid.counts(city.idx[shift_mask])
    started = time.monotonic()
    best, greedy = solve_allocate(units, places, params)
    totals["solve_seconds"].append(time.monotonic() - started)
    totals["gap"].append(best.gap or 0.0)
    totals["capped"] += int(best.capped)
    totals["expected"]["plan"] += best.objective
    totals["expected"]["greedy"] += greedy.objective
    for name, allocation in (("plan", best), ("greedy", greedy)):
        minutes: dict[int, float] = {}
        for w in plan_windows(units, allocation.visits, places, params):
            minutes[w.place] = minutes.get(w.place, 0) + w.minutes
        totals[name] += _covered(minutes, cells, actual, params.shift_minutes)
    totals["proportional"] += _baseline(city, recent, shift_mask, per_region, config)
    totals["incidents"] += int(shift_mask.sum())
    totals["patrol_hours"] += len(units) * config.budget_minutes / 60
    totals["shifts"] += 1


def _new_totals() -> dict:
    return {
        "plan": 0.0,
        "greedy": 0.0,
        "proportional": 0.0,
        "incidents": 0,
        "patrol_hours": 0.0,
        "shifts": 0,
        "capped": 0,
        "expected": {"plan": 0.0, "greedy": 0.0},
        "solve_seconds": [],
        "gap": [],
    }


def _merge(into: dict, part: dict) -> None:
    for key, value in part.items():
        if isinstance(value, dict):
            _merge(into[key], value)
        else:
            into[key] += value


def _day(city: _City, day: pd.Timestamp, config: BacktestConfig) -> dict:
    """The totals of one day's shifts."""
    totals = _new_totals()
    score = risk_surface(city.grid, city.idx, city.t, origin=np.datetime64(day))
    for band in range(24 // config.shift_hours):
        _shift(city, day, band, score, config, totals)
    return totals


_worker_city: _City | None = None  # set in each worker process before it takes days


def _worker_init(city: _City) -> None:
    global _worker_city
    _worker_city = city


def _worker_day(day: pd.Timestamp, config: BacktestConfig) -> dict:
    return _day(_worker_city, day, config)


def backtest(
    frame: pd.DataFrame, projection: MetricProjection, config: BacktestConfig, end: pd.Timestamp
) -> dict:
    """The backtest report over the ``config.weeks`` weeks before ``end`` (a local midnight)."""
    city = _City(frame, projection)
    days = [end - pd.Timedelta(days=config.weeks * 7 - d) for d in range(config.weeks * 7)]
    totals = _new_totals()
    if config.jobs > 1:
        # spawn, not fork: forking a process that runs threads (a database pool, a test
        # runner) can copy a held lock into the child, which then never starts its work
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            config.jobs, mp_context=context, initializer=_worker_init, initargs=(city,)
        ) as pool:
            for part in pool.map(_worker_day, days, [config] * len(days)):
                _merge(totals, part)
    else:
        for day in days:
            _merge(totals, _day(city, day, config))
    return _report(totals, config)


def _report(totals: dict, config: BacktestConfig) -> dict:
    hours = totals["patrol_hours"] or 1.0
    per_hour = {k: round(totals[k] / hours, 5) for k in ("plan", "greedy", "proportional")}
    return {
        "shifts": totals["shifts"],
        "incidents": totals["incidents"],
        "patrol_hours": round(totals["patrol_hours"], 1),
        "covered": {k: round(totals[k], 2) for k in ("plan", "greedy", "proportional")},
        "incidents_per_patrol_hour": per_hour,
        "plan_vs_proportional": round(per_hour["plan"] / per_hour["proportional"], 3)
        if per_hour["proportional"]
        else None,
        "plan_vs_greedy": round(per_hour["plan"] / per_hour["greedy"], 3)
        if per_hour["greedy"]
        else None,
        "solve_seconds": {
            "mean": round(float(np.mean(totals["solve_seconds"])), 3),
            "max": round(float(np.max(totals["solve_seconds"])), 3),
        },
        "mean_gap": round(float(np.mean(totals["gap"])), 4),
        "expected": {k: round(v, 3) for k, v in totals["expected"].items()},
        "capped_shifts": totals["capped"],
        "config": dict(config.__dict__),
    }
