"""The admin manages rules, teams (escalation recipients) and tasks; every change audited."""

import pytest
from django.test import Client

from commands.models import Team
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
