"""Patrol plans: generate (CP-SAT and the greedy baseline in one run), edit windows by
hand while a draft, publish (creates the field tasks), close. All audited."""

import secrets
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from incidents.choices import IncidentChannel
from incidents.models import Incident
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError, Conflict
from patrol.choices import PlanStatus, UnitStatus
from patrol.core.exposure import exposure_ratios
from patrol.core.problem import Params, PlaceSpec, UnitSpec
from patrol.core.schedule import Window, plan_windows
from patrol.core.solver import solve_allocate
from patrol.models import PatrolPlace, Plan, PlanItem, Shift
from patrol.services.places import places_refresh
from patrol.services.tasks import plan_tasks_create
from patrol.services.travel import travel_table

MAX_WINDOW_HOURS = 24


def default_params(**overrides) -> Params:
    """The deployment's allocation parameters (settings), with the caller's overrides."""
    base = Params(
        speed_kmh=float(settings.PATROL_SPEED_KMH),
        max_places_per_unit=settings.PATROL_MAX_PLACES_PER_UNIT,
        work_limit=float(settings.PATROL_SOLVER_WORK),
        time_limit_s=float(settings.PATROL_SOLVER_SECONDS),
    )
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def _shift_specs(
    shifts: list[Shift], start: datetime, end: datetime
) -> dict[int, tuple[UnitSpec, datetime]]:
    """Per shift: its unit as the optimiser sees it, and when its part of the window starts."""
    specs = {}
    for shift in shifts:
        begin, finish = max(shift.start, start), min(shift.end, end)
        minutes = int((finish - begin).total_seconds() // 60)
        if minutes <= 0:
            continue
        regions = tuple(r.code for r in shift.regions.all())
        unit = shift.unit
        specs[shift.pk] = (
            UnitSpec(
                shift.pk,
                unit.geom.x,
                unit.geom.y,
                min(shift.patrol_minutes, minutes),
                regions,
                minutes,
            ),
            begin,
        )
    return specs


def _exposure(
    profile: str, windows: list[Window], places: dict[int, PatrolPlace], end: datetime
) -> dict:
    minutes: dict[str, float] = {}
    for w in windows:
        region = places[w.place].region
        key = region.code if region else "-"
        minutes[key] = minutes.get(key, 0) + w.minutes
    reported = (
        Incident.objects.filter(
            occurred_at__gte=end - timedelta(days=28), occurred_at__lt=end, region__profile=profile
        )
        .exclude(channel=IncidentChannel.PATROL)
        .values("region__code")
        .annotate(n=Count("id"))
    )
    counts = {row["region__code"]: float(row["n"]) for row in reported}
    return exposure_ratios(minutes, counts)


@transaction.atomic
def plan_generate(
    *,
    profile: str,
    window_start: datetime,
    window_end: datetime,
    actor=None,
    seed: int | None = None,
    **overrides,
) -> Plan:
    """Allocate the units on shift in the window to the active places (refreshed from the
    latest risk map when there are none), with Koper windows; stores a draft plan."""
    if window_end <= window_start or window_end - window_start > timedelta(hours=MAX_WINDOW_HOURS):
        raise ApplicationError(
            f"The plan window must last between a minute and {MAX_WINDOW_HOURS} hours."
        )
    shifts = list(
        Shift.objects.filter(unit__profile=profile, start__lt=window_end, end__gt=window_start)
        .exclude(unit__status=UnitStatus.OFF)
        .select_related("unit")
        .prefetch_related("regions")
    )
    specs = _shift_specs(shifts, window_start, window_end)
    if not specs:
        raise ApplicationError("No unit is on shift in this window.")
    places = {
        p.pk: p
        for p in PatrolPlace.objects.filter(profile=profile, is_active=True).select_related(
            "region"
        )
    }
    if not places:
        places = {p.pk: p for p in places_refresh(profile=profile, actor=actor, now=window_start)}
        places = {
            p.pk: p for p in PatrolPlace.objects.filter(pk__in=places).select_related("region")
        }
    seed = seed if seed is not None else secrets.randbelow(2**31 - 1)
    longest = max(spec.shift_minutes for spec, _ in specs.values())
    travel = travel_table(profile=profile)
    params = default_params(shift_minutes=longest, seed=seed, travel=travel or None, **overrides)
    place_specs = [
        PlaceSpec(p.pk, p.centroid.x, p.centroid.y, p.rate, p.region.code if p.region else "")
        for p in places.values()
    ]
    units = [spec for spec, _ in specs.values()]
    best, greedy = solve_allocate(units, place_specs, params)
    windows = plan_windows(units, best.visits, place_specs, params)
    plan = Plan.objects.create(
        profile=profile,
        window_start=window_start,
        window_end=window_end,
        run=next(iter(places.values())).run if places else None,
        parameters={
            **{k: v for k, v in asdict(params).items() if k not in ("seed", "travel")},
            "travel_pairs": len(travel),
        },
        seed=seed,
        objective=round(best.objective, 6),
        greedy_objective=round(greedy.objective, 6),
        bound=round(best.bound, 6) if best.bound is not None else None,
        solver_status=best.status,
        gap=round(best.gap, 6) if best.gap is not None else None,
        solve_seconds=round(best.seconds, 3),
        exposure=_exposure(profile, windows, places, window_start),
        created_by=actor,
    )
    _store_items(plan, windows, {s.pk: s for s in shifts}, specs)
    audit_record(
        action="patrol_plan_generate",
        actor=actor,
        obj=plan,
        summary={
            "seed": seed,
            "objective": plan.objective,
            "greedy": plan.greedy_objective,
            "status": best.status,
        },
    )
    return plan


def _store_items(plan: Plan, windows: list[Window], shifts: dict[int, Shift], specs: dict) -> None:
    grouped: dict[tuple[int, int], list[Window]] = {}
    for w in windows:
        grouped.setdefault((w.unit, w.place), []).append(w)
    items = []
    for (shift_id, place_id), stays in grouped.items():
        begin = specs[shift_id][1]
        items.append(
            PlanItem(
                plan=plan,
                unit_id=shifts[shift_id].unit_id,
                shift_id=shift_id,
                place_id=place_id,
                windows=[
                    {
                        "start": (begin + timedelta(minutes=w.start)).isoformat(),
                        "minutes": w.minutes,
                    }
                    for w in stays
                ],
                planned_minutes=sum(w.minutes for w in stays),
            )
        )
    PlanItem.objects.bulk_create(items)


def _locked(plan: Plan, expected: str) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != expected:
        raise Conflict(f"The plan is {plan.status}, not {expected}.")
    return plan


@transaction.atomic
def plan_item_set_windows(*, item: PlanItem, actor, windows: list[dict]) -> PlanItem:
    """Edit an item's visit windows by hand (drafts only); each stays inside the plan."""
    plan = _locked(item.plan, PlanStatus.DRAFT)
    total = 0
    for w in windows:
        start, minutes = w["start"], int(w["minutes"])
        if not (
            plan.window_start <= start and start + timedelta(minutes=minutes) <= plan.window_end
        ):
            raise ApplicationError("A visit window lies outside the plan's window.")
        if not 1 <= minutes <= 240:
            raise ApplicationError("A visit lasts between 1 and 240 minutes.")
        total += minutes
    item.windows = [
        {"start": w["start"].isoformat(), "minutes": int(w["minutes"])} for w in windows
    ]
    item.planned_minutes = total
    item.save(update_fields=["windows", "planned_minutes"])
    audit_record(
        action="patrol_item_windows", actor=actor, obj=item, summary={"windows": len(windows)}
    )
    return item


@transaction.atomic
def plan_publish(*, plan: Plan, actor) -> Plan:
    """Publish a draft: each item becomes a field task for its unit's team."""
    plan = _locked(plan, PlanStatus.DRAFT)
    plan.status, plan.published_by, plan.published_at = PlanStatus.PUBLISHED, actor, timezone.now()
    plan.save(update_fields=["status", "published_by", "published_at"])
    tasks = plan_tasks_create(plan=plan, actor=actor)
    audit_record(action="patrol_plan_publish", actor=actor, obj=plan, summary={"tasks": tasks})
    return plan


@transaction.atomic
def plan_close(*, plan: Plan, actor) -> Plan:
    """Close a published plan (its shift is over); its visits stay for adherence."""
    plan = _locked(plan, PlanStatus.PUBLISHED)
    plan.status, plan.closed_at = PlanStatus.CLOSED, timezone.now()
    plan.save(update_fields=["status", "closed_at"])
    audit_record(action="patrol_plan_close", actor=actor, obj=plan, summary={})
    return plan


SHIFT_START_HOURS = (6, 14, 22)  # local shift changes


def next_shift_windows(
    *, tz, now: datetime, count: int = 3, hours: int = 8
) -> list[tuple[datetime, datetime]]:
    """The next ``count`` shift windows (starting at the local shift changes) after ``now``."""
    local = now.astimezone(tz)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [day + timedelta(days=d, hours=h) for d in range(3) for h in SHIFT_START_HOURS]
    upcoming = [s for s in starts if s > local][:count]
    return [(s, s + timedelta(hours=hours)) for s in upcoming]


def plans_generate_upcoming(
    *, profile: str, tz, now: datetime | None = None, publish_as=None
) -> list[Plan]:
    """A plan for each of the next day's shift windows with units on shift and no plan yet
    (safe to run twice); published at once when ``publish_as`` is given."""
    made = []
    for start, end in next_shift_windows(tz=tz, now=now or timezone.now()):
        exists = Plan.objects.filter(profile=profile, window_start=start).exclude(
            status=PlanStatus.CLOSED
        )
        if exists.exists():
            continue
        try:
            plan = plan_generate(
                profile=profile, window_start=start, window_end=end, actor=publish_as
            )
        except ApplicationError:
            continue  # nobody on shift in this window
        if publish_as is not None:
            plan = plan_publish(plan=plan, actor=publish_as)
        made.append(plan)
    return made
