"""The nightly plans task, its Beat entry, the management command and the demo hook."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from commands.models import Task
from commands.tests.factories import TeamFactory
from khareetaty.scheduling import periodic_task_specs
from patrol.models import Plan, Shift, Unit
from patrol.services.demo import demo_patrol_setup
from patrol.services.plans import next_shift_windows, plans_generate_upcoming
from patrol.tests.factories import ShiftFactory, capital, risk_map

pytestmark = pytest.mark.django_db
KUWAIT = ZoneInfo("Asia/Kuwait")
NOW = dt.datetime(2026, 12, 3, 20, 0, tzinfo=KUWAIT)


def test_next_shift_windows_start_at_the_local_shift_changes():
    windows = next_shift_windows(tz=KUWAIT, now=NOW)
    assert [w[0].hour for w in windows] == [22, 6, 14]
    assert all(end - start == dt.timedelta(hours=8) for start, end in windows)


def test_nightly_plans_are_made_once_per_window_with_units_on_shift():
    region = capital()
    risk_map({(c, r): 1.0 + c for c in range(5) for r in range(5)})
    start = next_shift_windows(tz=KUWAIT, now=NOW)[0][0]
    ShiftFactory(start=start, end=start + dt.timedelta(hours=8)).regions.set([region])
    first = plans_generate_upcoming(profile="kuwait", tz=KUWAIT, now=NOW)
    again = plans_generate_upcoming(profile="kuwait", tz=KUWAIT, now=NOW)
    assert len(first) == 1 and again == []
    assert Plan.objects.get().window_start == start


def test_the_nightly_job_runs_after_the_analytics_chain():
    specs = {s.task: s for s in periodic_task_specs()}
    patrol, analytics = specs["patrol.generate_nightly"], specs["analytics.run_nightly"]
    assert int(patrol.crontab["hour"]) > int(analytics.crontab["hour"])


def test_generate_patrol_plan_command_reports_the_objectives(capsys):
    region = capital()
    risk_map({(c, r): 1.0 + r for c in range(5) for r in range(5)})
    shift = ShiftFactory()
    shift.regions.set([region])
    call_command("generate_patrol_plan", "--start", shift.start.isoformat(), "--seed", "4")
    assert "greedy" in capsys.readouterr().out
    assert Plan.objects.get().seed == 4


def test_the_demo_publishes_tonights_plans_for_the_field_teams(make_user):
    region = capital()
    analyst = make_user("analyst", username="analyst")
    field = make_user("field_supervisor", username="field")
    team = TeamFactory(slug="patrol-capital", region=region, members=[field])
    risk_map({(c, r): 1.0 + c * r for c in range(6) for r in range(6)})
    summary = demo_patrol_setup(now=NOW)
    assert Unit.objects.filter(team=team).count() == 2 and Shift.objects.count() == 6
    assert (
        summary["plans"]
        and Plan.objects.filter(status="published", published_by=analyst).count() == 3
    )
    assert Task.objects.filter(assignee_team=team).exists()
    demo_patrol_setup(now=NOW)
    assert Unit.objects.count() == 2 and Plan.objects.count() == 3
