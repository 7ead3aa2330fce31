"""The CP-SAT model: how many visits each unit pays to each place.

Maximises expected incidents covered (each further visit to a place worth ``decay`` times
the previous: diminishing returns) under each unit's minutes (stays plus travel), one unit
per place, a cap on places per unit, the revisit spacing (visits per place per shift) and
an optional workload-balance penalty. The greedy solution is the starting hint, so the
solver never reports less than the baseline; the time limit bounds the solve."""

import time

from ortools.sat.python import cp_model

from patrol.core.greedy import greedy_allocate
from patrol.core.problem import (
    Allocation,
    Params,
    PlaceSpec,
    UnitSpec,
    objective,
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


def _build(model: cp_model.CpModel, units, places, params, pairs):
    K = params.max_visits
    n = {pair: model.new_int_var(0, K, f"n{pair}") for pair in pairs}
    a = {pair: model.new_bool_var(f"a{pair}") for pair in pairs}
    for pair in pairs:
        model.add(n[pair] <= K * a[pair])
        model.add(n[pair] >= a[pair])
    terms = []
    for p in places:
        mine = [pair for pair in pairs if pair[1] == p.key]
        if not mine:
            continue
        model.add(sum(a[pair] for pair in mine) <= 1)
        y = [model.new_bool_var(f"y{p.key},{k}") for k in range(K)]
        for k in range(K - 1):
            model.add(y[k] >= y[k + 1])
        model.add(sum(y) == sum(n[pair] for pair in mine))
        terms += [round(visit_value(p, k, params) * SCALE) * y[k] for k in range(K)]
    loads = []
    for u in units:
        mine = [pair for pair in pairs if pair[0] == u.key]
        model.add(sum(a[pair] for pair in mine) <= params.max_places_per_unit)
        load = sum(pairs[pair] * n[pair] for pair in mine)
        model.add(load <= u.budget_minutes)
        loads.append(load)
    if params.balance_weight > 0 and len(loads) > 1:
        top = model.new_int_var(0, max(u.budget_minutes for u in units), "max_load")
        low = model.new_int_var(0, max(u.budget_minutes for u in units), "min_load")
        for load in loads:
            model.add(top >= load)
            model.add(low <= load)
        terms.append(-round(params.balance_weight * SCALE) * (top - low))
    model.maximize(sum(terms))
    return n


def solve_allocate(
    units: list[UnitSpec], places: list[PlaceSpec], params: Params
) -> tuple[Allocation, Allocation]:
    """The CP-SAT allocation and the greedy baseline of the same problem."""
    greedy = greedy_allocate(units, places, params)
    started = time.monotonic()
    pairs = _candidates(units, places, params)
    for pair in greedy.visits:
        pairs.setdefault(pair, visit_cost(_unit(units, pair[0]), _place(places, pair[1]), params))
    model = cp_model.CpModel()
    n = _build(model, units, places, params, pairs)
    for pair, var in n.items():
        model.add_hint(var, greedy.visits.get(pair, 0))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = params.time_limit_s
    solver.parameters.random_seed = params.seed
    solver.parameters.num_workers = params.workers
    code = solver.solve(model)
    by_key = {p.key: p for p in places}
    result = Allocation(status=solver.status_name(code), seconds=time.monotonic() - started)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.visits = {pair: v for pair, var in n.items() if (v := solver.value(var)) > 0}
        result.objective = objective(result.visits, by_key, params)
        result.bound = max(solver.best_objective_bound / SCALE, result.objective)
    if result.objective < greedy.objective:  # no solution in time: keep the baseline
        result.visits, result.objective = dict(greedy.visits), greedy.objective
    return result, greedy


def _unit(units: list[UnitSpec], key: int) -> UnitSpec:
    return next(u for u in units if u.key == key)


def _place(places: list[PlaceSpec], key: int) -> PlaceSpec:
    return next(p for p in places if p.key == key)
