"""Task detail for command staff: timeline of updates with their points, reassign, cancel
(analysts only), due time; each audited and announced live."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from commands.choices import TaskStatus
from commands.tests.factories import TaskFactory
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]


@pytest.fixture
def task(people):
    return TaskFactory(assignee_team=people["team"], title="Check the souq")


def _point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def test_the_detail_lists_the_timeline_with_the_update_points(people, task):
    field = people["field"]
    field.post(
        f"/api/commands/tasks/{task.pk}/status",
        {"status": "accepted", "geom": _point(47.99, 29.36)},
        format="json",
    )
    field.post(f"/api/commands/tasks/{task.pk}/updates", {"note": "Quiet"}, format="json")

    body = people["analyst"].get(f"/api/commands/tasks/{task.pk}").json()

    assert [u["kind"] for u in body["updates"]] == ["status", "note"]
    assert body["updates"][0]["text"] == "Status: Accepted."
    assert (body["updates"][0]["lat"], body["updates"][0]["lon"]) == (29.36, 47.99)
    assert body["updates"][1]["lat"] is None
    assert [(p["lat"], p["lon"], p["status"]) for p in body["track"]] == [
        (29.36, 47.99, "accepted")
    ]
    assert body["track"][0]["author"] == field.user.username


def test_reassigning_to_another_team_is_a_timeline_line_audited_and_announced(
    people, task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = people["analyst"].post(
            f"/api/commands/tasks/{task.pk}/assign", {"assignee_team": "patrol-9"}, format="json"
        )

    assert response.status_code == 200
    last = response.json()["updates"][-1]
    assert (last["kind"], last["data"]["team"]) == ("assigned", "patrol-9")
    assert last["text"] == "Reassigned to patrol-9."
    assert ActionLog.objects.filter(action="task_assign", object_id=str(task.pk)).exists()
    assert callbacks
    assert people["other"].get(f"/api/commands/tasks/{task.pk}").status_code == 200


def test_changing_the_due_time_is_a_timeline_line_and_audited(people, task):
    due = timezone.now() + dt.timedelta(hours=3)

    response = people["analyst"].post(
        f"/api/commands/tasks/{task.pk}/due", {"due_at": due.isoformat()}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert abs(dt.datetime.fromisoformat(body["due_at"]) - due) < dt.timedelta(seconds=1)
    assert body["updates"][-1]["kind"] == "due"
    assert body["updates"][-1]["text"].startswith("Due time set to")
    assert ActionLog.objects.filter(action="task_update", object_id=str(task.pk)).exists()
    cleared = (
        people["analyst"]
        .post(f"/api/commands/tasks/{task.pk}/due", {"due_at": None}, format="json")
        .json()
    )
    assert cleared["due_at"] is None
    assert cleared["updates"][-1]["text"] == "Due time removed."
    assert (
        people["field"]
        .post(f"/api/commands/tasks/{task.pk}/due", {"due_at": None}, format="json")
        .status_code
        == 403
    )


def test_an_analyst_cancels_a_task_with_a_reason(people, task):
    response = people["analyst"].post(
        f"/api/commands/tasks/{task.pk}/cancel", {"note": "Duplicate report"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == TaskStatus.CANCELLED
    assert body["updates"][-1]["kind"] == "cancelled"
    assert body["updates"][-1]["note"] == "Duplicate report"
    log = ActionLog.objects.filter(action="task_status", object_id=str(task.pk)).latest("id")
    assert log.summary["status"] == "cancelled"


def test_a_field_supervisor_cannot_cancel_a_task_by_any_route(people, task):
    field = people["field"]
    by_status = field.post(
        f"/api/commands/tasks/{task.pk}/status", {"status": "cancelled"}, format="json"
    )
    by_update = field.post(
        f"/api/commands/tasks/{task.pk}/updates", {"status": "cancelled"}, format="json"
    )
    by_action = field.post(f"/api/commands/tasks/{task.pk}/cancel", {}, format="json")

    assert (by_status.status_code, by_update.status_code, by_action.status_code) == (
        403,
        403,
        403,
    )
    assert "Only analysts may cancel" in by_status.json()["detail"]
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
    assert field.delete(f"/api/commands/tasks/{task.pk}").status_code == 403


def test_timeline_words_follow_the_reader_language(people, task):
    people["analyst"].post(
        f"/api/commands/tasks/{task.pk}/assign", {"assignee_team": "patrol-9"}, format="json"
    )
    with translation.override("ar"):
        body = (
            people["analyst"]
            .get(f"/api/commands/tasks/{task.pk}", HTTP_ACCEPT_LANGUAGE="ar")
            .json()
        )
    assert body["updates"][-1]["text"] != "Reassigned to patrol-9."
    assert "patrol-9" in body["updates"][-1]["text"]


@pytest.mark.parametrize(
    "geom",
    [
        {
            "type": "Polygon",
            "coordinates": [[[47.9, 29.3], [48.0, 29.3], [48.0, 29.4], [47.9, 29.3]]],
        },
        {"type": "Point", "coordinates": [4790, 29.3]},
        {"type": "LineString", "coordinates": [[47.9, 29.3], [48.0, 29.4]]},
    ],
)
def test_a_task_location_that_is_not_a_point_is_a_400(people, task, geom):
    response = people["field"].post(
        f"/api/commands/tasks/{task.pk}/status",
        {"status": "accepted", "geom": geom},
        format="json",
    )
    assert response.status_code == 400
    assert "geom" in response.json()["errors"]
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
