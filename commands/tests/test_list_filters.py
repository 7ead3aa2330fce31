"""The alert and task lists of the API: one test per filter parameter (the right rows come
back) and a query budget that does not grow with the rows."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.choices import AlertSource, AlertStatus, Severity, TaskPriority, TaskStatus
from commands.tests.factories import AlertFactory, AlertRuleFactory, TaskFactory, TeamFactory
from incidents.tests.factories import CategoryFactory, RegionFactory

pytestmark = pytest.mark.django_db

ALERTS = "/api/commands/alerts"
TASKS = "/api/commands/tasks"
NOW = timezone.now()


@pytest.fixture
def analyst(client_for):
    return client_for("analyst")


def ids(client, url: str, params: dict) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- alerts ------------------------------------------------------------------------------


def test_alerts_filter_by_status(analyst):
    wanted = AlertFactory(status=AlertStatus.RESOLVED)
    AlertFactory(status=AlertStatus.OPEN)
    assert ids(analyst, ALERTS, {"status": "resolved"}) == {wanted.pk}


def test_alerts_filter_by_severity(analyst):
    wanted = AlertFactory(severity=Severity.CRITICAL)
    AlertFactory(severity=Severity.LOW)
    assert ids(analyst, ALERTS, {"severity": "critical"}) == {wanted.pk}


def test_alerts_filter_by_source(analyst):
    wanted = AlertFactory(source=AlertSource.MANUAL)
    AlertFactory(source=AlertSource.RULE)
    assert ids(analyst, ALERTS, {"source": "manual"}) == {wanted.pk}


def test_alerts_filter_by_rule(analyst):
    rule = AlertRuleFactory()
    wanted = AlertFactory(rule=rule)
    AlertFactory(rule=AlertRuleFactory())
    assert ids(analyst, ALERTS, {"rule": rule.pk}) == {wanted.pk}


def test_alerts_filter_by_region(analyst):
    region = RegionFactory()
    wanted = AlertFactory(region=region)
    AlertFactory(region=RegionFactory())
    assert ids(analyst, ALERTS, {"region": region.pk}) == {wanted.pk}


def test_alerts_filter_by_category(analyst):
    category = CategoryFactory()
    wanted = AlertFactory(category=category)
    AlertFactory(category=CategoryFactory())
    assert ids(analyst, ALERTS, {"category": category.pk}) == {wanted.pk}


def test_alerts_filter_by_since_and_until_on_last_seen(analyst):
    old = AlertFactory(first_seen_at=NOW - dt.timedelta(days=3))
    new = AlertFactory(first_seen_at=NOW - dt.timedelta(hours=1))
    cut = (NOW - dt.timedelta(days=1)).isoformat()
    assert ids(analyst, ALERTS, {"since": cut}) == {new.pk}
    assert ids(analyst, ALERTS, {"until": cut}) == {old.pk}


def test_alerts_filter_by_active(analyst):
    active = {AlertFactory(status=s).pk for s in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)}
    done = {AlertFactory(status=s).pk for s in (AlertStatus.RESOLVED, AlertStatus.SUPPRESSED)}
    assert ids(analyst, ALERTS, {"active": "true"}) == active
    assert ids(analyst, ALERTS, {"active": "false"}) == done


def test_alerts_filter_by_period_on_last_seen(analyst):
    recent = AlertFactory(first_seen_at=NOW - dt.timedelta(hours=2))
    AlertFactory(first_seen_at=NOW - dt.timedelta(days=2))
    assert ids(analyst, ALERTS, {"period": "24h"}) == {recent.pk}
    assert len(ids(analyst, ALERTS, {"period": "all"})) == 2


def test_alert_list_queries_do_not_grow_with_the_rows(analyst, django_assert_max_num_queries):
    rule, region, category = AlertRuleFactory(), RegionFactory(), CategoryFactory()
    for _ in range(3):
        AlertFactory(rule=rule, region=region, category=category)
    with django_assert_max_num_queries(4) as few:  # count, page, tasks prefetch (+ session)
        ids(analyst, ALERTS, {})
    for _ in range(12):
        AlertFactory(rule=AlertRuleFactory(), region=RegionFactory(), category=CategoryFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(analyst, ALERTS, {})) == 15


# --- tasks -------------------------------------------------------------------------------


def test_tasks_filter_by_status(analyst):
    wanted = TaskFactory(status=TaskStatus.DONE)
    TaskFactory(status=TaskStatus.ASSIGNED)
    assert ids(analyst, TASKS, {"status": "done"}) == {wanted.pk}


def test_tasks_filter_by_priority(analyst):
    wanted = TaskFactory(priority=TaskPriority.URGENT)
    TaskFactory(priority=TaskPriority.LOW)
    assert ids(analyst, TASKS, {"priority": "urgent"}) == {wanted.pk}


def test_tasks_filter_by_assignee_user(analyst, make_user):
    officer = make_user("field_supervisor")
    wanted = TaskFactory(assignee_user=officer)
    TaskFactory(assignee_user=make_user("field_supervisor"))
    assert ids(analyst, TASKS, {"assignee_user": officer.pk}) == {wanted.pk}


def test_tasks_filter_by_assignee_team(analyst):
    team = TeamFactory()
    wanted = TaskFactory(assignee_team=team)
    TaskFactory(assignee_team=TeamFactory())
    assert ids(analyst, TASKS, {"assignee_team": team.pk}) == {wanted.pk}


def test_tasks_filter_by_alert(analyst):
    alert = AlertFactory()
    wanted = TaskFactory(alert=alert)
    TaskFactory(alert=AlertFactory())
    assert ids(analyst, TASKS, {"alert": alert.pk}) == {wanted.pk}


def test_tasks_filter_by_region(analyst):
    region = RegionFactory()
    wanted = TaskFactory(region=region)
    TaskFactory(region=RegionFactory())
    assert ids(analyst, TASKS, {"region": region.pk}) == {wanted.pk}


def test_tasks_filter_by_overdue(analyst):
    late = TaskFactory(due_at=NOW - dt.timedelta(hours=1))
    on_time = TaskFactory(due_at=NOW + dt.timedelta(hours=1))
    finished_late = TaskFactory(status=TaskStatus.DONE, due_at=NOW - dt.timedelta(hours=1))
    assert ids(analyst, TASKS, {"overdue": "true"}) == {late.pk}
    assert ids(analyst, TASKS, {"overdue": "false"}) == {on_time.pk, finished_late.pk}


def test_task_list_queries_do_not_grow_with_the_rows(
    analyst, make_user, django_assert_max_num_queries
):
    for _ in range(3):
        TaskFactory(assignee_user=make_user("field_supervisor"), region=RegionFactory())
    with django_assert_max_num_queries(3) as few:  # count and page (+ session)
        ids(analyst, TASKS, {})
    for _ in range(12):
        TaskFactory(
            assignee_user=make_user("field_supervisor"),
            assignee_team=TeamFactory(),
            alert=AlertFactory(),
            region=RegionFactory(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(analyst, TASKS, {})) == 15
