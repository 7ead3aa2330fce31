"""The CP-SAT model: how many visits each unit pays to each place.

Maximises expected incidents covered (each further visit to a place worth ``decay`` times
the previous: diminishing returns) under each unit's minutes (stays plus travel), one unit
per place, a cap on places per unit, the revisit spacing (visits per place per shift) and
an optional workload-balance penalty. The greedy solution is the starting hint, so the
solver never reports less than the baseline.

Deterministic: the search is bounded by CP-SAT's deterministic time (``work_limit``) with
one worker and a fixed seed, so the same inputs and seed give the same plan however loaded
the machine is; the wall-clock limit (``time_limit_s``) is only a safety cap, and a solve it
cuts short is flagged ``capped``."""

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from patrol.core.greedy import greedy_allocate
from patrol.core.problem import (
    Allocation,
    Params,
    PlaceSpec,
    UnitSpec,
    objective,
    score,
    unit_loads,
    visit_cost,
    visit_value,
)

SCALE = 10_000  # objective units per expected incident (CP-SAT works in integers)
CANDIDATES_PER_UNIT = 60


def _candidates(units: list[UnitSpec], places: list[PlaceSpec], params: Params) -> dict:
    """Per unit, its most valuable affordable places (value of a first visit per minute)."""
    pairs: dict[tuple[int, int], int] = {}
    for u in units:
        options = []
        for p in places:
            if not u.may_patrol(p):
                continue
            cost = visit_cost(u, p, params)
            if cost <= u.budget_minutes:
                options.append((visit_value(p, 0, params) / cost, p.key, cost))
        options.sort(reverse=True)
        for _, key, cost in options[:CANDIDATES_PER_UNIT]:
            pairs[(u.key, key)] = cost
    return pairs


@dataclass
class _Vars:
    n: dict = field(default_factory=dict)  # (unit, place) -> visits
    a: dict = field(default_factory=dict)  # (unit, place) -> assigned
    y: dict = field(default_factory=dict)  # place -> [k-th visit paid]
    spread: tuple = ()  # (max_load, min_load) when balancing


def _build(model: cp_model.CpModel, units, places, params, pairs) -> _Vars:
    K = params.max_visits
    v = _Vars()
    by_place: dict[int, list] = {}
    by_unit: dict[int, list] = {}
    for pair in pairs:
        v.n[pair] = model.new_int_var(0, K, f"n{pair}")
        v.a[pair] = model.new_bool_var(f"a{pair}")
        model.add(v.n[pair] <= K * v.a[pair])
        model.add(v.n[pair] >= v.a[pair])
        by_place.setdefault(pair[1], []).append(pair)
        by_unit.setdefault(pair[0], []).append(pair)
    terms = []
    for p in places:
        mine = by_place.get(p.key)
        if not mine:
            continue
        model.add(sum(v.a[pair] for pair in mine) <= 1)
        y = v.y[p.key] = [model.new_bool_var(f"y{p.key},{k}") for k in range(K)]
        for k in range(K - 1):
            model.add(y[k] >= y[k + 1])
        model.add(sum(y) == sum(v.n[pair] for pair in mine))
        terms += [round(visit_value(p, k, params) * SCALE) * y[k] for k in range(K)]
    loads = []
    for u in units:
        mine = by_unit.get(u.key, [])
        model.add(sum(v.a[pair] for pair in mine) <= params.max_places_per_unit)
        load = sum(pairs[pair] * v.n[pair] for pair in mine)
        model.add(load <= u.budget_minutes)
        loads.append(load)
    if params.balance_weight > 0 and len(loads) > 1:
        most = max(u.budget_minutes for u in units)
        top, low = model.new_int_var(0, most, "max_load"), model.new_int_var(0, most, "min_load")
        for load in loads:
            model.add(top >= load)
            model.add(low <= load)
        terms.append(-round(params.balance_weight * SCALE) * (top - low))
        v.spread = (top, low)
    model.maximize(sum(terms))
    return v


def _hint(model: cp_model.CpModel, v: _Vars, visits: dict, loads: dict[int, int]) -> None:
    """A complete hint (every variable), so CP-SAT starts from the greedy solution as a
    feasible one and spends its budget improving it. A partial hint (visit counts only)
    left it to complete the rest by search, which on real data used up the whole budget
    without a single solution, so the plan silently fell back to greedy."""
    per_place: dict[int, int] = {}
    for pair, var in v.n.items():
        count = visits.get(pair, 0)
        model.add_hint(var, count)
        model.add_hint(v.a[pair], int(count > 0))
        per_place[pair[1]] = per_place.get(pair[1], 0) + count
    for place, ys in v.y.items():
        for k, var in enumerate(ys):
            model.add_hint(var, int(k < per_place.get(place, 0)))
    if v.spread:
        model.add_hint(v.spread[0], max(loads.values()))
        model.add_hint(v.spread[1], min(loads.values()))


def _components(pairs: dict) -> list[dict]:
    """The candidate pairs split into groups that share no unit and no place (units kept
    to their own regions form one group per region). Without a balance term the objective
    is a sum over groups, so solving each group apart gives the same optimum, and CP-SAT
    proves far more on several small models than on one large one."""
    parent: dict = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for unit, place in pairs:
        parent[root(("u", unit))] = root(("p", place))
    groups: dict = {}
    for pair, cost in pairs.items():
        groups.setdefault(root(("u", pair[0])), {})[pair] = cost
    return list(groups.values())


@dataclass
class _Solved:
    status: str
    visits: dict  # the solver's, or the greedy ones of the group when it found none
    bound: float | None
    work: float
    capped: bool


def _solve_group(units, places, params, pairs, greedy_visits, share: float) -> _Solved:
    """One CP-SAT model over ``pairs``, started from the greedy visits, on ``share`` of the
    deterministic budget and of the wall-clock cap."""
    unit_keys = {u for u, _ in pairs}
    place_keys = {p for _, p in pairs}
    mine_units = [u for u in units if u.key in unit_keys]
    mine_places = [p for p in places if p.key in place_keys]
    model = cp_model.CpModel()
    v = _build(model, mine_units, mine_places, params, pairs)
    by_key = {p.key: p for p in mine_places}
    hint = {pair: n for pair, n in greedy_visits.items() if pair in pairs}
    _hint(model, v, hint, unit_loads(hint, mine_units, by_key, params))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = params.work_limit * share
    solver.parameters.max_time_in_seconds = params.time_limit_s * share
    solver.parameters.random_seed = params.seed
    solver.parameters.num_workers = params.workers
    code = solver.solve(model)
    solved = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return _Solved(
        status=solver.status_name(code),
        visits={pair: c for pair, var in v.n.items() if (c := solver.value(var)) > 0}
        if solved
        else hint,
        bound=solver.best_objective_bound / SCALE if solved else None,
        work=solver.deterministic_time,
        capped=code != cp_model.OPTIMAL and solver.wall_time >= params.time_limit_s * share * 0.98,
    )


def solve_allocate(
    units: list[UnitSpec], places: list[PlaceSpec], params: Params
) -> tuple[Allocation, Allocation]:
    """The CP-SAT allocation and the greedy baseline of the same problem."""
    greedy = greedy_allocate(units, places, params)
    started = time.monotonic()
    pairs = _candidates(units, places, params)
    for pair in greedy.visits:
        pairs.setdefault(pair, visit_cost(_unit(units, pair[0]), _place(places, pair[1]), params))
    # the balance term couples every unit, so it needs the one model
    groups = _components(pairs) if params.balance_weight <= 0 else [pairs]
    solved = [
        _solve_group(units, places, params, group, greedy.visits, len(group) / len(pairs))
        for group in groups
        if group
    ]
    statuses = {s.status for s in solved}
    feasible = bool(solved) and statuses <= {"OPTIMAL", "FEASIBLE"}
    result = Allocation(
        status=statuses.pop() if len(statuses) == 1 else "FEASIBLE" if feasible else "UNKNOWN",
        seconds=time.monotonic() - started,
        work=sum(s.work for s in solved),
        capped=any(s.capped for s in solved),
    )
    by_key = {p.key: p for p in places}
    result.visits = {pair: n for s in solved for pair, n in s.visits.items()}
    result.objective = objective(result.visits, by_key, params)
    mine, baseline = (score(a.visits, units, by_key, params) for a in (result, greedy))
    if mine < baseline:  # no better solution within the budget: keep the baseline
        result.visits, result.objective, mine = dict(greedy.visits), greedy.objective, baseline
    if params.balance_weight > 0:
        result.score = mine
    if feasible:  # the bound is known only when every group has one
        result.bound = max(sum(s.bound for s in solved), mine)
    return result, greedy


def _unit(units: list[UnitSpec], key: int) -> UnitSpec:
    return next(u for u in units if u.key == key)


def _place(places: list[PlaceSpec], key: int) -> PlaceSpec:
    return next(p for p in places if p.key == key)
