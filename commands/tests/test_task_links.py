"""Alerts and tasks linked both ways: the alert shows its task, a second open task is
refused, finishing the task resolves the alert when the policy says so; a task made from
an alert or hotspot carries the place."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.choices import AlertStatus, RuleKind, TaskStatus
from commands.models import Alert
from commands.services.rules import rules_evaluate_analytics
from commands.tests.conftest import POLICY, write_policy
from commands.tests.factories import AlertRuleFactory, HotspotFactory
from incidents.tests.factories import square
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]


@pytest.fixture
def alert(farwaniya_alert):
    return farwaniya_alert


def _task_for(client, alert):
    return client.post(
        "/api/commands/tasks", {"alert": alert.pk, "assignee_team": "patrol-7"}, format="json"
    )


def _finish(client, task_id, note="Suspect arrested"):
    for status in ("accepted", "in_progress"):
        assert (
            client.post(
                f"/api/commands/tasks/{task_id}/status", {"status": status}, format="json"
            ).status_code
            == 200
        )
    return client.post(
        f"/api/commands/tasks/{task_id}/status",
        {
            "status": "done",
            "note": note,
            "geom": {"type": "Point", "coordinates": [47.931, 29.281]},
        },
        format="json",
    )


def test_the_alert_shows_its_task_and_the_task_its_alert(people, alert, fake_twilio):
    task = _task_for(people["analyst"], alert).json()

    detail = people["analyst"].get(f"/api/commands/alerts/{alert.pk}").json()
    assert detail["open_task"] == task["id"]
    assert [t["id"] for t in detail["tasks"]] == [task["id"]]
    assert detail["tasks"][0]["status"] == TaskStatus.ASSIGNED
    assert detail["tasks"][0]["assignee_team"] == "patrol-7"
    assert detail["timeline"][-1]["kind"] == "task_created"
    assert detail["timeline"][-1]["data"] == {"task": task["id"]}
    listed = people["analyst"].get("/api/commands/alerts").json()["results"]
    assert listed[0]["open_task"] == task["id"]
    assert task["alert"] == alert.pk
    assert task["alert_summary"] == {
        "id": alert.pk,
        "title": "Assault in Farwaniya",
        "severity": alert.severity,
        "status": AlertStatus.OPEN,
    }


def test_a_second_task_for_an_alert_with_an_open_task_is_refused(people, alert, fake_twilio):
    first = _task_for(people["analyst"], alert).json()

    second = _task_for(people["analyst"], alert)

    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "alert_has_open_task"
    assert body["task"] == first["id"]
    assert f"#{first['id']}" in body["detail"]
    assert ActionLog.objects.filter(action="task_create").count() == 1
    # Once the open task is cancelled, a new one may be made.
    assert people["analyst"].post(f"/api/commands/tasks/{first['id']}/cancel").status_code == 200
    assert _task_for(people["analyst"], alert).status_code == 201


def test_finishing_the_task_resolves_the_alert_with_a_timeline_line(
    people, alert, fake_twilio, django_capture_on_commit_callbacks
):
    task = _task_for(people["analyst"], alert).json()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = _finish(people["field"], task["id"])

    assert done.status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by == people["field"].user
    assert alert.resolution_note == "Suspect arrested"
    kinds = [e.kind for e in alert.events.order_by("at", "pk")]
    assert kinds.index("task_done") < kinds.index("resolved")
    assert alert.events.get(kind="resolved").data["via"] == "task"
    resolve_log = ActionLog.objects.filter(action="alert_resolve").latest("id")
    assert resolve_log.summary["via"] == "task"
    assert resolve_log.actor_id == people["field"].user.pk
    assert callbacks  # the live alert.changed / task.changed events go out on commit


def test_finishing_the_task_leaves_the_alert_open_when_the_policy_says_so(
    people, alert, fake_twilio, settings, tmp_path
):
    from commands.policy import policy_reload

    write_policy(settings, tmp_path, "task_done_resolves_alert: false\n" + POLICY)
    policy_reload()
    task = _task_for(people["analyst"], alert).json()

    assert _finish(people["field"], task["id"]).status_code == 200

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert alert.events.filter(kind="task_done").count() == 1


def test_a_task_from_a_hotspot_alert_carries_the_hotspot_centre(people, hawalli):
    AlertRuleFactory(kind=RuleKind.HOTSPOT, params={})
    hotspot = HotspotFactory(
        region=hawalli,
        trend="intensifying",
        geom=square(48.03, 29.33, half_side=0.01),
        centroid=Point(48.03, 29.33, srid=4326),
    )
    [alert] = rules_evaluate_analytics(run_id=hotspot.run.parent_id)

    response = _task_for(people["analyst"], alert)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["lat"], body["lon"]) == (29.33, 48.03)
    assert body["geo_uri"] == "geo:29.33,48.03"
    assert body["geom"]["coordinates"] == pytest.approx([48.03, 29.33])
    assert body["hotspot_id"] == hotspot.pk


def test_a_task_from_a_region_alert_is_placed_inside_the_region(people, hawalli):
    alert = Alert.objects.create(
        severity="high",
        title_en="Forecast spike in Hawalli",
        region=hawalli,
        dedup_key="x",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )

    body = _task_for(people["analyst"], alert).json()

    assert body["lat"] is not None
    assert hawalli.geom.contains(Point(body["lon"], body["lat"], srid=4326))


def test_a_task_from_an_incident_alert_carries_the_incident_point(people, alert, fake_twilio):
    body = _task_for(people["analyst"], alert).json()
    assert (body["lat"], body["lon"]) == (29.28, 47.93)
    assert body["geo_uri"] == "geo:29.28,47.93"


def test_a_field_supervisor_sees_on_the_alert_only_the_tasks_they_may_see(
    people, alert, fake_twilio
):
    task = _task_for(people["analyst"], alert).json()
    people["analyst"].post(
        f"/api/commands/tasks/{task['id']}/cancel", {"note": "wrong team"}, format="json"
    )
    people["analyst"].post(
        "/api/commands/tasks", {"alert": alert.pk, "assignee_team": "patrol-9"}, format="json"
    )

    mine = people["field"].get(f"/api/commands/alerts/{alert.pk}").json()

    assert [t["id"] for t in mine["tasks"]] == [task["id"]]
    assert mine["open_task"] is None
