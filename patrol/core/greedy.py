"""The greedy baseline: add the visit with the best covered-incidents per minute until no
unit can afford another. Same constraints and objective as the CP-SAT model."""

from patrol.core.problem import (
    Allocation,
    Params,
    PlaceSpec,
    UnitSpec,
    objective,
    visit_cost,
    visit_value,
)


def greedy_allocate(units: list[UnitSpec], places: list[PlaceSpec], params: Params) -> Allocation:
    """One unit per place, at most ``max_places_per_unit`` places per unit, unit budgets."""
    by_key = {p.key: p for p in places}
    left = {u.key: u.budget_minutes for u in units}
    owner: dict[int, int] = {}
    count: dict[int, int] = {}
    owned: dict[int, set[int]] = {u.key: set() for u in units}
    costs = {
        (u.key, p.key): visit_cost(u, p, params) for u in units for p in places if u.may_patrol(p)
    }
    visits: dict[tuple[int, int], int] = {}
    while True:
        best, best_ratio = None, 0.0
        for (u, p), cost in costs.items():
            if cost > left[u] or count.get(p, 0) >= params.max_visits:
                continue
            if owner.get(p, u) != u:
                continue
            if p not in owned[u] and len(owned[u]) >= params.max_places_per_unit:
                continue
            ratio = visit_value(by_key[p], count.get(p, 0), params) / cost
            if ratio > best_ratio:
                best, best_ratio = (u, p), ratio
        if best is None:
            break
        u, p = best
        left[u] -= costs[best]
        owner[p] = u
        owned[u].add(p)
        count[p] = count.get(p, 0) + 1
        visits[best] = visits.get(best, 0) + 1
    return Allocation(visits=visits, objective=objective(visits, by_key, params), status="GREEDY")
