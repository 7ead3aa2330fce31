"""The allocation problem as plain data, and its objective (shared by solver and greedy)."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class PlaceSpec:
    """A patrol place: where (lon/lat of its centre), how risky (expected incidents/hour)."""

    key: int
    lon: float
    lat: float
    rate: float
    region: str = ""


@dataclass(frozen=True)
class UnitSpec:
    """A unit on shift: its home station, its directed-patrol minutes and its regions."""

    key: int
    lon: float
    lat: float
    budget_minutes: int
    regions: tuple[str, ...] = ()
    shift_minutes: int = 0  # this unit's shift length; 0 means ``Params.shift_minutes``

    def may_patrol(self, place: PlaceSpec) -> bool:
        return not self.regions or place.region in self.regions


@dataclass(frozen=True)
class Params:
    """Knobs of one allocation. ``decay`` is the value of each further visit to a place
    relative to the previous one (diminishing returns)."""

    shift_minutes: int = 480
    speed_kmh: float = 30.0
    stay_min: int = 10
    stay_max: int = 16
    revisit_min: int = 90
    revisit_max: int = 120
    max_places_per_unit: int = 4
    decay: float = 0.7
    balance_weight: float = 0.0
    work_limit: float = 5.0  # CP-SAT deterministic time: same inputs + seed, same plan
    time_limit_s: float = 60.0  # wall-clock safety cap (a loaded machine may hit it first)
    seed: int = 1
    workers: int = 1  # one search worker: several make the search depend on thread timing
    # Loaded travel times (minutes) between regions, (from code, to code) -> minutes; a pair
    # not in it (or no table) travels in a straight line at ``speed_kmh``.
    travel: Mapping[tuple[str, str], int] | None = field(default=None, compare=False, repr=False)

    @property
    def stay_mean(self) -> int:
        return (self.stay_min + self.stay_max) // 2

    @property
    def max_visits(self) -> int:
        """Most visits a place can get in one shift with stays spaced by ``revisit_min``."""
        return max(1, (self.shift_minutes - self.stay_max) // self.revisit_min + 1)


@dataclass
class Allocation:
    """Visits per (unit, place), with the objective; ``bound`` and ``status`` from CP-SAT."""

    visits: dict[tuple[int, int], int] = field(default_factory=dict)
    objective: float = 0.0
    bound: float | None = None
    status: str = ""
    seconds: float = 0.0
    work: float = 0.0  # deterministic time spent
    capped: bool = False  # stopped by the wall-clock cap, not the deterministic budget
    score: float | None = None  # objective minus the balance penalty, when one is set

    @property
    def gap(self) -> float | None:
        """Relative distance to the bound (of the penalised score when balancing)."""
        if self.bound is None or self.bound <= 0:
            return None
        reached = self.objective if self.score is None else self.score
        return max(0.0, (self.bound - reached) / self.bound)


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (straight-line) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_minutes(a_lon: float, a_lat: float, b_lon: float, b_lat: float, speed_kmh: float) -> int:
    """Straight-line travel time, rounded up to whole minutes."""
    return math.ceil(distance_km(a_lon, a_lat, b_lon, b_lat) / speed_kmh * 60)


def hop_minutes(lon: float, lat: float, region: str, place: PlaceSpec, params: Params) -> int:
    """Minutes from a point in ``region`` to ``place``: the loaded travel table's time
    between the two regions when it has the pair, else straight line."""
    if (lon, lat) == (place.lon, place.lat):
        return 0
    if params.travel:
        known = params.travel.get((region, place.region))
        if known is not None:
            return int(known)
    return travel_minutes(lon, lat, place.lon, place.lat, params.speed_kmh)


def station_region(unit: UnitSpec) -> str:
    return unit.regions[0] if unit.regions else ""


def visit_cost(unit: UnitSpec, place: PlaceSpec, params: Params) -> int:
    """Minutes one visit costs the unit: a mean stay plus the hop from its station (a
    conservative estimate of the move between its places, which lie around the station)."""
    hop = hop_minutes(unit.lon, unit.lat, station_region(unit), place, params)
    return params.stay_mean + hop


def unit_loads(
    visits: dict[tuple[int, int], int],
    units: list[UnitSpec],
    places: dict[int, PlaceSpec],
    params: Params,
) -> dict[int, int]:
    """Minutes each unit's visits cost it (stays plus travel), as the optimiser counts them."""
    loads = {u.key: 0 for u in units}
    by_unit = {u.key: u for u in units}
    for (u, p), n in visits.items():
        loads[u] += visit_cost(by_unit[u], places[p], params) * n
    return loads


def score(
    visits: dict[tuple[int, int], int],
    units: list[UnitSpec],
    places: dict[int, PlaceSpec],
    params: Params,
) -> float:
    """What the optimiser maximises: incidents covered minus the workload-balance penalty
    (``balance_weight`` incidents per minute between the busiest and the idlest unit)."""
    value = objective(visits, places, params)
    if params.balance_weight <= 0 or len(units) < 2:
        return value
    loads = unit_loads(visits, units, places, params).values()
    return value - params.balance_weight * (max(loads) - min(loads))


def visit_value(place: PlaceSpec, k: int, params: Params) -> float:
    """Expected incidents covered by the k-th visit (0-based) to ``place``."""
    return place.rate * params.stay_mean / 60.0 * params.decay**k


def objective(
    visits: dict[tuple[int, int], int], places: dict[int, PlaceSpec], params: Params
) -> float:
    """Expected incidents covered by a set of visit counts (diminishing per place)."""
    per_place: dict[int, int] = {}
    for (_, p), n in visits.items():
        per_place[p] = per_place.get(p, 0) + n
    return sum(visit_value(places[p], k, params) for p, n in per_place.items() for k in range(n))
