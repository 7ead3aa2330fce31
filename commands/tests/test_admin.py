"""The admin manages rules, teams (escalation recipients) and tasks; every change audited."""

import pytest
from django.test import Client

from commands.choices import TaskStatus, TaskUpdateKind
from commands.models import Task, Team
from commands.tests.factories import AlertRuleFactory, TaskFactory, TeamFactory
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user("superadmin"))
    return client


def test_admin_pages_for_commands_models_render(admin_client):
    AlertRuleFactory()
    team = TeamFactory()
    task = TaskFactory(assignee_team=team)
    for path in (
        "/admin/commands/alertrule/",
        "/admin/commands/alert/",
        "/admin/commands/delivery/",
        "/admin/commands/team/",
        "/admin/commands/task/",
        f"/admin/commands/task/{task.pk}/change/",
        "/admin/commands/escalationpolicyversion/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_adding_a_team_in_the_admin_is_audited(admin_client, make_user):
    member = make_user("field_supervisor")
    response = admin_client.post(
        "/admin/commands/team/add/",
        {
            "slug": "duty-officers",
            "name_en": "Duty officers",
            "name_ar": "الضباط المناوبون",
            "members": [member.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(slug="duty-officers")
    assert list(team.members.all()) == [member]
    assert ActionLog.objects.filter(
        action="create", object_type="commands.team", object_id=str(team.pk)
    ).exists()


def _task_form(task, **changes) -> dict:
    form = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority,
        "status": task.status,
        "due_at_0": "",
        "due_at_1": "",
        "region": task.region_id or "",
        "geom": task.geom.geojson if task.geom else "",
        "assignee_user": task.assignee_user_id or "",
        "assignee_team": task.assignee_team_id or "",
        "note": "",
        **_timeline_management(task.updates.count()),
    }
    form.update(changes)
    return form


def _timeline_management(count: int) -> dict:
    """The read-only timeline inline's management form, as the page sends it."""
    return {
        "updates-TOTAL_FORMS": str(count),
        "updates-INITIAL_FORMS": str(count),
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }


def test_finishing_a_task_in_the_admin_follows_the_allowed_moves_and_the_timeline(admin_client):
    task = TaskFactory(assignee_team=TeamFactory(), status=TaskStatus.IN_PROGRESS)
    response = admin_client.post(
        f"/admin/commands/task/{task.pk}/change/",
        _task_form(task, status=TaskStatus.DONE, note="Area checked"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None
    update = task.updates.latest("created_at")
    assert (update.status, update.note) == (TaskStatus.DONE, "Area checked")
    assert ActionLog.objects.filter(action="task_status", object_id=str(task.pk)).exists()


def test_a_move_the_services_refuse_is_a_form_error_in_the_admin(admin_client):
    task = TaskFactory(status=TaskStatus.DONE)
    response = admin_client.post(
        f"/admin/commands/task/{task.pk}/change/",
        _task_form(task, status=TaskStatus.ASSIGNED),
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_reassigning_in_the_admin_goes_through_the_service(admin_client):
    task = TaskFactory(assignee_team=TeamFactory(), status=TaskStatus.ACCEPTED)
    other = TeamFactory()
    response = admin_client.post(
        f"/admin/commands/task/{task.pk}/change/", _task_form(task, assignee_team=other.pk)
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee_team == other and task.status == TaskStatus.ASSIGNED
    assert task.updates.filter(kind=TaskUpdateKind.ASSIGNED).exists()


def test_a_task_added_in_the_admin_gets_its_created_line_and_audit(admin_client):
    team = TeamFactory()
    response = admin_client.post(
        "/admin/commands/task/add/",
        {
            "title": "Patrol the souq",
            "description": "",
            "priority": "normal",
            "status": TaskStatus.ASSIGNED,
            "due_at_0": "",
            "due_at_1": "",
            "geom": '{"type": "Point", "coordinates": [47.98, 29.37]}',
            "assignee_team": team.pk,
            "note": "",
            **_timeline_management(0),
        },
    )
    assert response.status_code == 302, response.content[:3000]
    task = Task.objects.get(title="Patrol the souq")
    assert task.updates.filter(kind=TaskUpdateKind.CREATED).exists()
    assert ActionLog.objects.filter(action="task_create", object_id=str(task.pk)).exists()
