"""What command staff read and export: the latest backtest (Analytics page) and the shift
summary CSV, both audited and role-guarded."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog
from patrol.services.evaluation import backtest_store
from patrol.services.plans import plan_generate, plan_publish
from patrol.services.visits import visit_check_in, visit_check_out
from patrol.tests.factories import ShiftFactory, capital, risk_map

pytestmark = pytest.mark.django_db

REPORT = {
    "shifts": 168,
    "patrol_hours": 26880.0,
    "covered": {"plan": 1050.0, "greedy": 1043.6, "proportional": 462.7},
    "incidents_per_patrol_hour": {"plan": 0.0391, "greedy": 0.0388, "proportional": 0.0172},
    "plan_vs_proportional": 2.27,
    "plan_vs_greedy": 1.006,
}


def test_the_latest_backtest_is_served_to_command_staff_only(client_for):
    viewer, field = client_for(Role.VIEWER), client_for(Role.FIELD_SUPERVISOR)
    assert viewer.get("/api/patrol/backtest").json() == {"report": None}
    backtest_store(profile="chicago", report={**REPORT, "plan_vs_greedy": 1.0})
    backtest_store(profile="chicago", report=REPORT)
    answer = viewer.get("/api/patrol/backtest").json()
    assert answer["profile"] == "chicago" and answer["report"]["plan_vs_greedy"] == 1.006
    assert field.get("/api/patrol/backtest").status_code == 403
    assert ActionLog.objects.filter(action="patrol_backtest").count() == 2


def test_the_shift_summary_csv_has_adherence_per_unit_and_shift_and_is_audited(make_user):
    region = capital()
    risk_map({(c, r): 1.0 + c + r for c in range(6) for r in range(6)})
    supervisor = make_user(Role.FIELD_SUPERVISOR)
    shift = ShiftFactory(unit__team__members=[supervisor], patrol_minutes=120)
    shift.regions.set([region])
    plan = plan_generate(
        profile="kuwait", window_start=shift.start, window_end=shift.end, seed=2, work_limit=0.5
    )
    plan_publish(plan=plan, actor=make_user(Role.ANALYST))
    item = plan.items.first()
    start = dt.datetime.fromisoformat(item.windows[0]["start"])
    visit, _ = visit_check_in(
        item=item, actor=supervisor, geom=item.place.centroid, key="in", at=start
    )
    visit_check_out(visit=visit, actor=supervisor, key="out", at=start + dt.timedelta(minutes=6))

    viewer = Client()
    viewer.force_login(make_user(Role.VIEWER))
    response = viewer.get(f"/patrol/plans/{plan.pk}/summary.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    planned = sum(i.planned_minutes for i in plan.items.all())
    assert row["call_sign"] == shift.unit.call_sign
    assert int(row["planned_minutes"]) == planned
    assert float(row["delivered_minutes"]) == 6.0
    assert float(row["adherence"]) == pytest.approx(6.0 / planned, abs=1e-4)
    assert int(row["places"]) == plan.items.count() and int(row["visits"]) == 1
    assert row["shift_start"] == shift.start.isoformat()
    assert ActionLog.objects.filter(action="patrol_summary_export").count() == 1
    field = Client()
    field.force_login(supervisor)
    assert field.get(f"/patrol/plans/{plan.pk}/summary.csv").status_code == 403
    assert viewer.get("/patrol/plans/999999/summary.csv").status_code == 404
