"""Tasks: pre-fill from alerts, assignment, status flow with updates, field-supervisor
visibility, overdue alerts."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.choices import AlertSource, TaskPriority, TaskStatus
from commands.models import Alert, Task
from commands.services.field_tasks import tasks_raise_overdue
from commands.tests.factories import HotspotFactory, TaskFactory
from incidents.tests.factories import RegionFactory
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]


@pytest.fixture
def tasks(people):
    return {
        "own": TaskFactory(assignee_user=people["field"].user, title="Own"),
        "team": TaskFactory(assignee_team=people["team"], title="Team"),
        "foreign": TaskFactory(assignee_user=people["other"].user, title="Foreign"),
    }


def test_a_field_supervisor_sees_only_own_and_team_tasks(people, tasks):
    titles = {t["title"] for t in people["field"].get("/api/commands/tasks").json()["results"]}
    assert titles == {"Own", "Team"}
    assert people["field"].get(f"/api/commands/tasks/{tasks['foreign'].pk}").status_code == 404
    analyst_titles = {
        t["title"] for t in people["analyst"].get("/api/commands/tasks").json()["results"]
    }
    assert analyst_titles == {"Own", "Team", "Foreign"}


def test_a_field_supervisor_updates_own_tasks_with_location_but_not_others(people, tasks):
    client = people["field"]
    accepted = client.post(
        f"/api/commands/tasks/{tasks['team'].pk}/status",
        {
            "status": "accepted",
            "note": "On my way",
            "geom": {"type": "Point", "coordinates": [47.98, 29.37]},
        },
        format="json",
    )
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["status"] == TaskStatus.ACCEPTED
    assert body["updates"][-1]["note"] == "On my way"
    assert body["updates"][-1]["geom"]["coordinates"] == [47.98, 29.37]
    assert body["updates"][-1]["author"] == client.user.username

    note = client.post(
        f"/api/commands/tasks/{tasks['own'].pk}/updates", {"note": "Area quiet"}, format="json"
    )
    assert note.status_code == 201

    foreign = tasks["foreign"]
    assert (
        client.post(
            f"/api/commands/tasks/{foreign.pk}/status", {"status": "accepted"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/commands/tasks/{foreign.pk}/updates", {"note": "x"}, format="json"
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.status == TaskStatus.ASSIGNED


def test_field_supervisors_cannot_create_assign_edit_or_delete(people, tasks):
    client = people["field"]
    own = tasks["own"]
    assert client.post("/api/commands/tasks", {"title": "x"}, format="json").status_code == 403
    assert client.post(f"/api/commands/tasks/{own.pk}/assign", {}, format="json").status_code == 403
    assert (
        client.patch(f"/api/commands/tasks/{own.pk}", {"title": "y"}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/commands/tasks/{own.pk}").status_code == 403


def test_the_status_flow_refuses_impossible_moves(people, tasks):
    client = people["field"]
    own = tasks["own"]
    for status in ("accepted", "in_progress", "done"):
        assert (
            client.post(
                f"/api/commands/tasks/{own.pk}/status", {"status": status}, format="json"
            ).status_code
            == 200
        )
    back = client.post(
        f"/api/commands/tasks/{own.pk}/status", {"status": "in_progress"}, format="json"
    )
    assert back.status_code == 400
    assert "done to in_progress" in back.json()["detail"]
    own.refresh_from_db()
    assert own.completed_at is not None
    assert ActionLog.objects.filter(action="task_status", object_id=str(own.pk)).count() == 3


def test_a_task_created_from_an_alert_is_pre_filled(people, farwaniya_alert, fake_twilio):
    alert = farwaniya_alert
    response = people["analyst"].post(
        "/api/commands/tasks", {"alert": alert.pk, "assignee_team": "patrol-7"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Assault in Farwaniya"
    assert body["priority"] == TaskPriority.URGENT
    assert body["incident"] == alert.incidents.get().pk
    assert body["region"] == alert.region_id
    assert body["geom"]["coordinates"] == [47.93, 29.28]
    assert body["assignee_team"] == "patrol-7"
    assert ActionLog.objects.filter(action="task_create").count() == 1


def test_a_task_needs_an_assignee(people):
    response = people["analyst"].post(
        "/api/commands/tasks", {"title": "Check the mall"}, format="json"
    )
    assert response.status_code == 400
    assert "assignee" in response.json()["errors"]


def test_reassigning_sends_the_task_back_to_assigned(people, tasks):
    own = tasks["own"]
    people["field"].post(
        f"/api/commands/tasks/{own.pk}/status", {"status": "accepted"}, format="json"
    )
    response = people["analyst"].post(
        f"/api/commands/tasks/{own.pk}/assign",
        {"assignee_user": people["other"].user.username},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == TaskStatus.ASSIGNED
    assert people["other"].get(f"/api/commands/tasks/{own.pk}").status_code == 200
    assert people["field"].get(f"/api/commands/tasks/{own.pk}").status_code == 404


def test_an_overdue_task_raises_one_alert_through_escalation(people, tasks, fake_twilio):
    now = timezone.now()
    late = tasks["team"]
    late.due_at = now - dt.timedelta(minutes=5)
    late.priority = TaskPriority.URGENT
    late.save()
    done = tasks["own"]
    done.due_at = now - dt.timedelta(minutes=5)
    done.status = TaskStatus.DONE
    done.save()

    assert tasks_raise_overdue(now=now) == [late.pk]
    assert tasks_raise_overdue(now=now + dt.timedelta(minutes=1)) == []

    alert = Alert.objects.get()
    assert alert.source == AlertSource.TASK_OVERDUE
    assert alert.severity == "critical"
    assert alert.title_en == f"Task overdue: {late.title}"
    assert alert.escalation_snapshot["steps"]  # escalates like any other critical alert
    late.refresh_from_db()
    assert late.overdue_alert == alert
    assert Task.objects.get(pk=late.pk).overdue_alert_id == alert.pk


def test_a_task_created_from_a_hotspot_is_pre_filled_with_its_centre(people):
    region = RegionFactory(code="ahmadi", name_en="Ahmadi", name_ar="الأحمدي")
    hotspot = HotspotFactory(
        region=region, trend="intensifying", centroid=Point(48.05, 29.0, srid=4326)
    )

    response = people["analyst"].post(
        "/api/commands/tasks",
        {"hotspot": hotspot.pk, "assignee_user": people["field"].user.username},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Patrol intensifying hotspot in Ahmadi"
    assert body["hotspot_id"] == hotspot.pk
    assert body["region"] == region.pk
    assert body["priority"] == TaskPriority.HIGH
    centre = hotspot.geom.centroid
    assert body["geom"]["coordinates"] == pytest.approx([centre.x, centre.y])
    missing = people["analyst"].post(
        "/api/commands/tasks",
        {"hotspot": 999999, "assignee_user": people["field"].user.username},
        format="json",
    )
    assert missing.status_code == 400
    assert "hotspot" in missing.json()["errors"]
