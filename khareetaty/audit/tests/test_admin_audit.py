"""Admin pages of other packages are audited like the project's own (issue 15, item 10)."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from khareetaty.accounts.choices import Role
from khareetaty.audit.admin import AuditedAdminMixin
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation_tick():
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name="Escalation tick", task="commands.escalation_tick", interval=every_minute
    )


@pytest.fixture
def superadmin_client(client, make_user):
    admin_user = make_user(Role.SUPERADMIN)
    client.force_login(admin_user)
    client.user = admin_user
    return client


def test_every_admin_page_of_other_packages_is_audited():
    for model in (
        PeriodicTask,
        IntervalSchedule,
        AccessAttempt,
        Group,
        OutstandingToken,
        BlacklistedToken,
    ):
        assert isinstance(admin.site._registry[model], AuditedAdminMixin), model


def test_disabling_a_periodic_task_in_its_form_is_audited(superadmin_client, escalation_tick):
    url = reverse("admin:django_celery_beat_periodictask_change", args=[escalation_tick.pk])
    form = superadmin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.pop("enabled")
    response = superadmin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    escalation_tick.refresh_from_db()
    assert not escalation_tick.enabled
    entry = ActionLog.objects.get(action="update", object_type="django_celery_beat.periodictask")
    assert entry.object_id == str(escalation_tick.pk)
    assert entry.actor_id == superadmin_client.user.pk
    assert "Enabled" in str(entry.summary)


def test_disabling_periodic_tasks_by_the_bulk_action_is_audited(superadmin_client, escalation_tick):
    response = superadmin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [escalation_tick.pk]},
    )
    assert response.status_code == 302
    escalation_tick.refresh_from_db()
    assert not escalation_tick.enabled
    entry = ActionLog.objects.get(action="admin_action")
    assert entry.object_type == "django_celery_beat.periodictask"
    assert entry.summary == {"action": "disable_tasks", "ids": [str(escalation_tick.pk)]}
    assert entry.actor_id == superadmin_client.user.pk


def test_adding_a_group_is_audited(superadmin_client):
    response = superadmin_client.post(reverse("admin:auth_group_add"), {"name": "night shift"})
    assert response.status_code == 302
    group = Group.objects.get(name="night shift")
    assert ActionLog.objects.filter(
        action="create", object_type="auth.group", object_id=str(group.pk)
    ).exists()
