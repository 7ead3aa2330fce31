"""Reads of the patrol app, scoped by role: field supervisors see only their units'."""

from django.db.models import QuerySet
from django.utils import timezone

from khareetaty.accounts.choices import Role
from patrol.models import Backtest, PatrolPlace, Plan, PlanItem, Shift, Unit, Visit


def _field(user) -> bool:
    return getattr(user, "role", None) == Role.FIELD_SUPERVISOR


def unit_list(*, user) -> QuerySet[Unit]:
    units = Unit.objects.select_related("team")
    return units.filter(team__members=user) if _field(user) else units


def shift_list(*, user) -> QuerySet[Shift]:
    shifts = Shift.objects.select_related("unit").prefetch_related("regions")
    return shifts.filter(unit__team__members=user) if _field(user) else shifts


def place_list(*, profile: str | None = None) -> QuerySet[PatrolPlace]:
    places = PatrolPlace.objects.filter(is_active=True).select_related("region")
    return places.filter(profile=profile) if profile else places


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.select_related("created_by", "published_by")


def plan_item_list(*, user, plan: Plan | None = None) -> QuerySet[PlanItem]:
    """Items of a plan; a field supervisor's are only his units' on published plans."""
    items = PlanItem.objects.select_related("unit", "place", "shift", "plan")
    if plan is not None:
        items = items.filter(plan=plan)
    if _field(user):
        items = items.filter(unit__team__members=user, plan__status__in=["published", "closed"])
    return items.order_by("unit__call_sign", "id")


def visit_list(*, user) -> QuerySet[Visit]:
    visits = Visit.objects.select_related("unit", "place")
    return visits.filter(unit__team__members=user) if _field(user) else visits


def plan_adherence(*, plan: Plan) -> list[dict]:
    """Per unit and shift: minutes delivered (checked-in stays at the planned places, each
    item counted up to its planned minutes) ÷ minutes planned."""
    rows: dict[tuple[int, int | None], dict] = {}
    items = plan.items.select_related("unit").prefetch_related("visits")
    for item in items:
        key = (item.unit_id, item.shift_id)
        row = rows.setdefault(
            key,
            {
                "unit": item.unit_id,
                "call_sign": item.unit.call_sign,
                "shift": item.shift_id,
                "planned_minutes": 0,
                "delivered_minutes": 0.0,
            },
        )
        delivered = sum(_clipped(v, plan) for v in item.visits.all())
        row["planned_minutes"] += item.planned_minutes
        row["delivered_minutes"] += min(delivered, item.planned_minutes)
    for row in rows.values():
        row["delivered_minutes"] = round(row["delivered_minutes"], 1)
        planned = row["planned_minutes"]
        row["adherence"] = round(row["delivered_minutes"] / planned, 4) if planned else None
    return sorted(rows.values(), key=lambda r: r["call_sign"])


def _clipped(visit: Visit, plan: Plan) -> float:
    if visit.departure is None:
        return 0.0
    start, end = max(visit.arrival, plan.window_start), min(visit.departure, plan.window_end)
    return max(0.0, (end - start).total_seconds() / 60)


def plan_current(*, profile: str | None = None, now=None) -> Plan | None:
    """The published plan whose window holds ``now``, else the latest published one."""
    now = now or timezone.now()
    plans = Plan.objects.filter(status="published")
    if profile:
        plans = plans.filter(profile=profile)
    return (
        plans.filter(window_start__lte=now, window_end__gt=now).first()
        or plans.order_by("-window_start").first()
    )


def backtest_latest(*, profile: str | None = None) -> Backtest | None:
    backtests = Backtest.objects.all()
    return (backtests.filter(profile=profile) if profile else backtests).first()


def plan_shift_summary(*, plan: Plan) -> list[dict]:
    """Adherence per unit and shift, with the shift's times, its places, stays and visits
    (the exportable shift summary)."""
    items = list(plan.items.select_related("shift").prefetch_related("visits"))
    extra: dict[tuple[int, int | None], dict] = {}
    for item in items:
        row = extra.setdefault(
            (item.unit_id, item.shift_id),
            {"places": 0, "stays": 0, "visits": 0, "shift_start": "", "shift_end": ""},
        )
        row["places"] += 1
        row["stays"] += len(item.windows)
        row["visits"] += len(item.visits.all())
        if item.shift is not None:
            row["shift_start"] = item.shift.start.isoformat()
            row["shift_end"] = item.shift.end.isoformat()
    return [{**row, **extra[(row["unit"], row["shift"])]} for row in plan_adherence(plan=plan)]
