"""Places from the risk map, plans, publishing, check-ins and adherence, on real PostGIS."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from commands.models import Task
from incidents.tests.factories import CategoryFactory, IncidentFactory
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog
from khareetaty.exceptions import ApplicationError, Conflict
from patrol.choices import PlanStatus
from patrol.models import PatrolPlace, Visit
from patrol.selectors import plan_adherence
from patrol.services.places import places_refresh
from patrol.services.plans import plan_close, plan_generate, plan_publish
from patrol.services.visits import NotYourUnit, visit_check_in, visit_check_out
from patrol.tests.factories import ShiftFactory, capital, cell_centre, risk_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid():
    region = capital()
    scores = {(c, r): 1.0 for c in range(8) for r in range(8)}
    scores.update({(2, 2): 50.0, (2, 3): 40.0, (6, 6): 30.0})
    risk_map(scores)
    return region


def test_places_group_the_riskiest_cells_with_their_hourly_rate(grid, settings):
    settings.PATROL_TOP_CELLS, settings.PATROL_CELLS_PER_PLACE = 6, 2
    places = places_refresh(profile="kuwait")
    top = PatrolPlace.objects.filter(is_active=True).order_by("-rate").first()
    assert len(places) >= 3
    assert sorted(map(tuple, top.cells)) == [(2, 2), (2, 3)]
    assert top.rate == pytest.approx(90.0 / 168)
    assert top.region == grid
    assert ActionLog.objects.filter(action="patrol_places_refresh").exists()


def test_patrol_finds_are_down_weighted_in_a_place_rate(grid, settings):
    settings.PATROL_TOP_CELLS, settings.PATROL_CELLS_PER_PLACE = 2, 1
    settings.PATROL_FIND_WEIGHT_PERCENT = 25
    category = CategoryFactory(code="theft")
    for i in range(4):
        IncidentFactory(
            geom=cell_centre(2, 2),
            category=category,
            region=grid,
            external_id=f"p{i}",
            channel="patrol" if i < 2 else "public_report",
        )
    places = {tuple(p.cells[0]): p for p in places_refresh(profile="kuwait")}
    # two of four incidents were patrol finds: counted 2 + 0.25·2 = 2.5 of 4; the cell
    # falls from 50 to 31.25 expected incidents, below its 40-incident neighbour
    assert places[(2, 2)].rate == pytest.approx(50.0 * 2.5 / 4 / 168)
    assert places[(2, 3)].rate == pytest.approx(40.0 / 168)


@pytest.fixture
def plan(grid, make_user):
    field = make_user(Role.FIELD_SUPERVISOR)
    shift = ShiftFactory(unit__team__members=[field], patrol_minutes=200)
    shift.regions.set([grid])
    plan = plan_generate(
        profile="kuwait", window_start=shift.start, window_end=shift.end, seed=5, time_limit_s=3
    )
    plan.field_user, plan.shift = field, shift
    return plan


def test_a_generated_plan_keeps_windows_inside_the_shift_and_minutes_in_budget(plan):
    items = list(plan.items.all())
    assert items and plan.status == PlanStatus.DRAFT
    assert plan.objective >= plan.greedy_objective > 0
    assert plan.solver_status in ("OPTIMAL", "FEASIBLE")
    assert sum(i.planned_minutes for i in items) <= 200
    for item in items:
        for w in item.windows:
            start = dt.datetime.fromisoformat(w["start"])
            assert plan.shift.start <= start
            assert start + dt.timedelta(minutes=w["minutes"]) <= plan.shift.end
            assert 10 <= w["minutes"] <= 16
    assert set(plan.exposure) == {"capital"}


def test_publishing_creates_one_field_task_per_item_for_the_unit_team(plan, make_user):
    analyst = make_user(Role.ANALYST)
    plan_publish(plan=plan, actor=analyst)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_by == analyst
    tasks = Task.objects.filter(assignee_team=plan.shift.unit.team)
    assert tasks.count() == plan.items.count()
    with pytest.raises(Conflict):
        plan_publish(plan=plan, actor=analyst)
    plan_close(plan=plan, actor=analyst)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def _published(plan, make_user):
    plan_publish(plan=plan, actor=make_user(Role.ANALYST))
    return plan.items.select_related("place", "unit").first()


def test_check_in_inside_a_place_counts_and_outside_is_refused(plan, make_user):
    item = _published(plan, make_user)
    far = Point(item.place.centroid.x + 0.02, item.place.centroid.y, srid=4326)
    with pytest.raises(ApplicationError, match="not at this patrol place"):
        visit_check_in(item=item, actor=plan.field_user, geom=far, key="k-far")
    near = Point(item.place.centroid.x + 0.0005, item.place.centroid.y, srid=4326)
    visit, created = visit_check_in(item=item, actor=plan.field_user, geom=near, key="k-1")
    assert created and visit.item == item


def test_an_update_sent_twice_is_applied_once(plan, make_user):
    item = _published(plan, make_user)
    start = dt.datetime.fromisoformat(item.windows[0]["start"])
    first, created = visit_check_in(
        item=item, actor=plan.field_user, geom=item.place.centroid, key="k-1", at=start
    )
    again, created_again = visit_check_in(
        item=item, actor=plan.field_user, geom=item.place.centroid, key="k-1"
    )
    assert created and not created_again and first.pk == again.pk
    out = start + dt.timedelta(minutes=10)
    visit_check_out(visit=first, actor=plan.field_user, key="o-1", at=out)
    _, changed = visit_check_out(
        visit=first, actor=plan.field_user, key="o-1", at=out + dt.timedelta(hours=1)
    )
    assert not changed
    assert Visit.objects.count() == 1
    assert Visit.objects.get().departure == out


def test_another_units_supervisor_cannot_check_in(plan, make_user):
    item = _published(plan, make_user)
    stranger = make_user(Role.FIELD_SUPERVISOR)
    with pytest.raises(NotYourUnit):
        visit_check_in(item=item, actor=stranger, geom=item.place.centroid, key="k-x")


def test_adherence_is_minutes_delivered_over_minutes_planned(plan, make_user):
    item = _published(plan, make_user)
    start = dt.datetime.fromisoformat(item.windows[0]["start"])
    visit, _ = visit_check_in(
        item=item, actor=plan.field_user, geom=item.place.centroid, key="a", at=start
    )
    visit_check_out(
        visit=visit, actor=plan.field_user, key="b", at=start + dt.timedelta(minutes=10)
    )
    (row,) = plan_adherence(plan=plan)
    planned = sum(i.planned_minutes for i in plan.items.all())
    assert row["planned_minutes"] == planned
    assert row["delivered_minutes"] == 10.0
    assert row["adherence"] == pytest.approx(10.0 / planned, abs=1e-4)
