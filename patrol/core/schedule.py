"""Koper visit windows: turn visit counts into timed stays.

Each stay lasts 10 to 16 minutes, a place is revisited no sooner than 90 minutes (about every
1.5 to 2 hours) after the previous stay began, and the first stays' order and offsets are
randomised per plan so patrols are not predictable. Deterministic for a given seed. A stay
that would end after the shift or overrun the unit's minutes (travel plus stays) is
dropped, so budgets and shift windows are never exceeded."""

import random
from dataclasses import dataclass

from patrol.core.problem import (
    Params,
    PlaceSpec,
    UnitSpec,
    hop_minutes,
    station_region,
    visit_value,
)


@dataclass(frozen=True)
class Window:
    """One stay: place, start (minutes after the shift starts), length, travel before it."""

    unit: int
    place: int
    start: int
    minutes: int
    travel: int


def unit_windows(
    unit: UnitSpec, counts: dict[int, int], places: dict[int, PlaceSpec], params: Params
) -> list[Window]:
    """The unit's stays for its visit ``counts`` per place, in time order."""
    rng = random.Random(f"{params.seed}:{unit.key}")
    order = sorted(counts)
    rng.shuffle(order)
    rank = {p: i for i, p in enumerate(order)}
    next_ok = {p: rng.randrange(0, params.revisit_min // 2 + 1) for p in order}
    left = {p: n for p, n in counts.items() if n > 0}
    t, used, here = 0, 0, (unit.lon, unit.lat, station_region(unit))
    windows: list[Window] = []
    while left:
        timing = {}
        for q in left:
            hop = hop_minutes(*here, places[q], params)
            timing[q] = (max(t + hop, next_ok[q]), hop)
        p = min(left, key=lambda q: (timing[q][0], rank[q]))
        start, hop = timing[p]
        stay = rng.randint(params.stay_min, params.stay_max)
        if (
            start + stay > (unit.shift_minutes or params.shift_minutes)
            or used + hop + stay > unit.budget_minutes
        ):
            del left[p]
            continue
        windows.append(Window(unit.key, p, start, stay, hop))
        used += hop + stay
        t, here = start + stay, (places[p].lon, places[p].lat, places[p].region)
        next_ok[p] = start + rng.randint(params.revisit_min, params.revisit_max)
        left[p] -= 1
        if not left[p]:
            del left[p]
    return windows


def plan_windows(
    units: list[UnitSpec],
    visits: dict[tuple[int, int], int],
    places: list[PlaceSpec],
    params: Params,
) -> list[Window]:
    """Every unit's windows for an allocation's visit counts."""
    by_key = {p.key: p for p in places}
    windows: list[Window] = []
    for unit in units:
        counts = {p: n for (u, p), n in visits.items() if u == unit.key}
        windows += unit_windows(unit, counts, by_key, params)
    return windows


def windows_value(windows: list[Window], places: list[PlaceSpec], params: Params) -> float:
    """Expected incidents covered by the stays actually scheduled (diminishing per place)."""
    by_key = {p.key: p for p in places}
    seen: dict[int, int] = {}
    total = 0.0
    for w in sorted(windows, key=lambda w: w.start):
        k = seen.get(w.place, 0)
        total += visit_value(by_key[w.place], k, params) * w.minutes / params.stay_mean
        seen[w.place] = k + 1
    return total
