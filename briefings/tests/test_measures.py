"""Response measures on constructed data whose medians and 90th percentiles are known.

percentile_cont interpolates: of [60, 120, 300, 600] the median is 210 and the 90th
percentile 300 + 0.7 * 300 = 510."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from briefings.selectors.measures import response_compare, response_measures
from briefings.tests.factories import START, alert_with_waits
from commands.choices import Severity, TaskStatus, TaskUpdateKind
from commands.models import Task, TaskUpdate
from commands.tests.factories import TaskFactory, TeamFactory
from incidents.tests.factories import RegionFactory
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db
WEEK = (START - dt.timedelta(days=1), START + dt.timedelta(days=6))
LATER = (START + dt.timedelta(days=30), START + dt.timedelta(days=37))


def _task(*, accept: int | None, complete: int | None, team=None, began=START) -> Task:
    task = TaskFactory(assignee_team=team)
    if accept is not None:
        update = TaskUpdate.objects.create(
            task=task, kind=TaskUpdateKind.STATUS, status=TaskStatus.ACCEPTED
        )
        TaskUpdate.objects.filter(pk=update.pk).update(
            created_at=began + dt.timedelta(seconds=accept)
        )
    fields = {"created_at": began}
    if complete is not None:
        fields |= {
            "status": TaskStatus.DONE,
            "completed_at": began + dt.timedelta(seconds=complete),
        }
    Task.objects.filter(pk=task.pk).update(**fields)
    return task


@pytest.fixture
def constructed():
    north, south = (
        RegionFactory(code="north", name_en="North"),
        RegionFactory(code="south", name_en="South"),
    )
    team = TeamFactory(slug="alpha", name_en="Alpha")
    alert_with_waits(ack=60, resolve=600, region=north, severity=Severity.HIGH)
    alert_with_waits(ack=120, resolve=1200, region=north, severity=Severity.HIGH)
    alert_with_waits(ack=300, region=south, severity=Severity.LOW)
    alert_with_waits(ack=600, region=south, severity=Severity.LOW)
    alert_with_waits(region=north, severity=Severity.CRITICAL)  # still open: no wait yet
    alert_with_waits(ack=9999, first_seen_at=WEEK[1] + dt.timedelta(hours=1))  # outside
    _task(accept=100, complete=1000, team=team)
    _task(accept=300, complete=None)
    _task(accept=None, complete=None)  # never accepted
    # The later period: everything twice as fast.
    alert_with_waits(
        ack=30, resolve=300, region=north, first_seen_at=LATER[0] + dt.timedelta(hours=1)
    )
    alert_with_waits(
        ack=60, resolve=600, region=north, first_seen_at=LATER[0] + dt.timedelta(hours=2)
    )
    return {"north": north, "south": south, "team": team}


def _by(rows, measure):
    return {row.key: row for row in rows if row.measure == measure}


def test_overall_median_and_p90_are_exact(constructed):
    rows = response_measures(since=WEEK[0], until=WEEK[1])
    ack = _by(rows, "alert_acknowledge")["all"]
    assert (ack.count, ack.median_seconds, ack.p90_seconds) == (4, 210.0, 510.0)
    resolve = _by(rows, "alert_resolve")["all"]
    assert (resolve.count, resolve.median_seconds, resolve.p90_seconds) == (2, 900.0, 1140.0)
    accept = _by(rows, "task_accept")["all"]
    assert (accept.count, accept.median_seconds, accept.p90_seconds) == (2, 200.0, 280.0)
    complete = _by(rows, "task_complete")["all"]
    assert (complete.count, complete.median_seconds) == (1, 1000.0)


def test_grouped_by_region_severity_and_team(constructed):
    by_region = _by(
        response_measures(since=WEEK[0], until=WEEK[1], by="region"), "alert_acknowledge"
    )
    north, south = by_region[str(constructed["north"].pk)], by_region[str(constructed["south"].pk)]
    assert (north.label, north.median_seconds, north.p90_seconds) == ("North", 90.0, 114.0)
    assert (south.label, south.median_seconds, south.p90_seconds) == ("South", 450.0, 570.0)
    by_severity = _by(
        response_measures(since=WEEK[0], until=WEEK[1], by="severity"), "alert_acknowledge"
    )
    assert by_severity["high"].median_seconds == 90.0 and by_severity["low"].median_seconds == 450.0
    by_team = _by(response_measures(since=WEEK[0], until=WEEK[1], by="team"), "task_complete")
    assert by_team[str(constructed["team"].pk)].label == "Alpha"


def test_over_time_by_day(constructed):
    rows = _by(
        response_measures(since=WEEK[0], until=LATER[1], by="day", tz="Asia/Kuwait"),
        "alert_acknowledge",
    )
    assert rows["2026-01-05"].count == 4
    assert rows["2026-02-04"].median_seconds == 45.0


def test_compare_reports_the_reduction(constructed):
    rows = {r["measure"]: r for r in response_compare(first=WEEK, second=LATER, by="all")}
    assert rows["alert_resolve"]["first"]["median_seconds"] == 900.0
    assert rows["alert_resolve"]["second"]["median_seconds"] == 450.0
    assert rows["alert_resolve"]["median_change"] == -0.5
    assert rows["task_accept"]["second"] is None and rows["task_accept"]["median_change"] is None


def test_api_returns_the_measures_and_refuses_bad_periods(constructed, client_for):
    client = client_for(Role.VIEWER)
    answer = client.get(
        "/api/briefings/measures", {"since": WEEK[0].isoformat(), "until": WEEK[1].isoformat()}
    )
    assert answer.status_code == 200
    ack = next(r for r in answer.json()["results"] if r["measure"] == "alert_acknowledge")
    assert ack["median_seconds"] == 210.0 and ack["p90_seconds"] == 510.0
    backwards = client.get(
        "/api/briefings/measures", {"since": WEEK[1].isoformat(), "until": WEEK[0].isoformat()}
    )
    assert backwards.status_code == 400 and "must be after" in backwards.content.decode()
    assert client.get("/api/briefings/measures", {"by": "planet"}).status_code == 400
    too_long = client.get(
        "/api/briefings/measures", {"since": "2020-01-01T00:00Z", "until": "2026-01-01T00:00Z"}
    )
    assert too_long.status_code == 400


def test_api_compare(constructed, client_for):
    answer = client_for(Role.ANALYST).get(
        "/api/briefings/measures/compare",
        {
            "first_since": WEEK[0].isoformat(),
            "first_until": WEEK[1].isoformat(),
            "second_since": LATER[0].isoformat(),
            "second_until": LATER[1].isoformat(),
        },
    )
    assert answer.status_code == 200
    rows = {r["measure"]: r for r in answer.json()["results"]}
    assert rows["alert_acknowledge"]["median_change"] == round((45 - 210) / 210, 4)


def test_field_supervisors_may_not_read_measures(constructed, client_for):
    assert client_for(Role.FIELD_SUPERVISOR).get("/api/briefings/measures").status_code == 403


def test_management_command_compares_two_periods(constructed):
    out = StringIO()
    call_command(
        "response_report",
        "--first",
        f"{WEEK[0].date()}:{WEEK[1].date()}",
        "--second",
        f"{LATER[0].date()}:{LATER[1].date()}",
        stdout=out,
    )
    text = out.getvalue()
    assert "alert_resolve" in text and "900" in text and "450" in text and "-50.0%" in text


def test_prometheus_exports_the_last_week(make_user, settings):
    alert_with_waits(ack=60, first_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    alert_with_waits(ack=180, first_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    body = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert 'khareetaty_response_seconds{measure="alert_acknowledge",quantile="0.5"} 120.0' in body
    assert 'khareetaty_response_waits{measure="alert_acknowledge"} 2.0' in body
