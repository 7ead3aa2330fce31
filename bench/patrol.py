"""Patrol allocation at scale: 6 regions, 60 units, 3 shifts over a 10,000-cell risk grid.

Per shift: the places (riskiest cells grouped into patches of up to 4), then CP-SAT with
the greedy baseline in the same run. Reports the solve time (the solver's own time limit
honoured), the objective against the greedy baseline and against the solver's bound, the
Koper windows scheduled, and the process's peak RSS. Pure optimiser: no database.

Usage::

    .venv/bin/python bench/patrol.py --work 5 --time-limit 20 > var/bench-patrol.json
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patrol.core.places import group_cells
from patrol.core.problem import Params, PlaceSpec, UnitSpec
from patrol.core.schedule import plan_windows
from patrol.core.solver import solve_allocate

SIDE = 100  # 100 x 100 = 10,000 cells of 250 m (25 km square)
CELL_DEG = 0.00225
ORIGIN = (47.85, 29.20)  # Kuwait City area


def risk_grid(rng: np.random.Generator) -> np.ndarray:
    """Expected incidents per cell and hour: a low background and 40 hot clusters."""
    rate = rng.gamma(0.5, 0.002, size=(SIDE, SIDE))
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for _ in range(40):
        cx, cy, spread, peak = (
            rng.uniform(0, SIDE),
            rng.uniform(0, SIDE),
            rng.uniform(1, 4),
            rng.uniform(0.02, 0.2),
        )
        rate += peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * spread**2))
    return rate


def region_of(col: int, row: int) -> str:
    return f"r{(row * 2) // SIDE * 3 + (col * 3) // SIDE}"  # 2 x 3 blocks


def places_for(rate: np.ndarray, top: int) -> list[PlaceSpec]:
    flat = rate.ravel()
    rows, cols = np.divmod(np.arange(flat.size), SIDE)
    groups = group_cells(cols, rows, flat, top=top, max_cells=4)
    places = []
    for key, group in enumerate(groups):
        g = np.array(group)
        lon = ORIGIN[0] + (cols[g].mean() + 0.5) * CELL_DEG
        lat = ORIGIN[1] + (rows[g].mean() + 0.5) * CELL_DEG
        places.append(
            PlaceSpec(
                key, float(lon), float(lat), float(flat[g].sum()), region_of(cols[g[0]], rows[g[0]])
            )
        )
    return places


def units_for(rng: np.random.Generator, n: int) -> list[UnitSpec]:
    units = []
    for key in range(n):
        region = key % 6
        col = (region % 3 + rng.uniform(0.2, 0.8)) * SIDE / 3
        row = (region // 3 + rng.uniform(0.2, 0.8)) * SIDE / 2
        lon, lat = ORIGIN[0] + col * CELL_DEG, ORIGIN[1] + row * CELL_DEG
        units.append(UnitSpec(key, lon, lat, int(rng.integers(180, 300)), (f"r{region}",)))
    return units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--shifts", type=int, default=3)
    parser.add_argument("--top-cells", type=int, default=600)
    parser.add_argument(
        "--work", type=float, default=5.0, help="CP-SAT deterministic time per shift"
    )
    parser.add_argument(
        "--time-limit", type=float, default=20.0, help="wall-clock safety cap per shift (s)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    base = risk_grid(rng)
    units = units_for(rng, args.units)
    shifts = []
    for shift in range(args.shifts):
        rate = base * rng.lognormal(0, 0.3, size=base.shape)  # each shift's hours shift the risk
        places = places_for(rate, args.top_cells)
        params = Params(
            shift_minutes=480,
            work_limit=args.work,
            time_limit_s=args.time_limit,
            seed=args.seed + shift,
        )
        started = time.monotonic()
        best, greedy = solve_allocate(units, places, params)
        solve = time.monotonic() - started
        windows = plan_windows(units, best.visits, places, params)
        shifts.append(
            {
                "shift": shift,
                "places": len(places),
                "seconds": round(solve, 2),
                "solver_seconds": round(best.seconds, 2),
                "work": round(best.work, 2),
                "capped": best.capped,
                "status": best.status,
                "objective": round(best.objective, 4),
                "greedy": round(greedy.objective, 4),
                "bound": round(best.bound, 4) if best.bound is not None else None,
                "vs_greedy": round(best.objective / greedy.objective, 4)
                if greedy.objective
                else None,
                "gap_to_bound": round(best.gap, 4) if best.gap is not None else None,
                "windows": len(windows),
            }
        )
    print(
        json.dumps(
            {
                "cells": SIDE * SIDE,
                "regions": 6,
                "units": args.units,
                "work_limit": args.work,
                "time_limit_s": args.time_limit,
                "shifts": shifts,
                "max_seconds": max(s["seconds"] for s in shifts),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
