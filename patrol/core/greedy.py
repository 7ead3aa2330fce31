"""The greedy baseline: add the visit with the best covered-incidents per minute until no
unit can afford another. Same constraints and objective as the CP-SAT model.

Lazy evaluation: a visit's ratio only falls (each visit to a place is worth less than the
previous) and a visit that became infeasible stays infeasible (budgets shrink, owners and
caps only fill), so a heap of possibly stale ratios gives exactly the plain greedy choice."""

import heapq

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
    heap = [(-visit_value(by_key[p], 0, params) / c, u, p) for (u, p), c in costs.items()]
    heapq.heapify(heap)
    visits: dict[tuple[int, int], int] = {}
    while heap:
        neg, u, p = heapq.heappop(heap)
        cost = costs[(u, p)]
        if cost > left[u] or count.get(p, 0) >= params.max_visits or owner.get(p, u) != u:
            continue
        if p not in owned[u] and len(owned[u]) >= params.max_places_per_unit:
            continue
        ratio = visit_value(by_key[p], count.get(p, 0), params) / cost
        if ratio < -neg - 1e-15:  # stale: the place got visits since
            heapq.heappush(heap, (-ratio, u, p))
            continue
        if ratio <= 0:
            break
        left[u] -= cost
        owner[p] = u
        owned[u].add(p)
        count[p] = count.get(p, 0) + 1
        visits[(u, p)] = visits.get((u, p), 0) + 1
        heapq.heappush(heap, (-visit_value(by_key[p], count[p], params) / cost, u, p))
    return Allocation(visits=visits, objective=objective(visits, by_key, params), status="GREEDY")
