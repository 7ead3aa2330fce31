"""A task update sent twice with the same idempotency key is applied once."""

import pytest

from commands.models import TaskUpdate
from commands.services.field_tasks import task_create
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db


def test_a_task_update_sent_twice_is_applied_once(client_for, make_user):
    field = client_for(Role.FIELD_SUPERVISOR)
    task = task_create(actor=make_user(Role.ANALYST), title="Patrol", assignee_user=field.user)
    body = {"status": "accepted", "note": "On my way", "idempotency_key": "phone-7-1"}
    first = field.post(f"/api/commands/tasks/{task.pk}/updates", body, format="json")
    again = field.post(f"/api/commands/tasks/{task.pk}/updates", body, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert TaskUpdate.objects.filter(task=task, note="On my way").count() == 1
    other = field.post(
        f"/api/commands/tasks/{task.pk}/updates",
        {"note": "Arrived", "idempotency_key": "phone-7-2"},
        format="json",
    )
    assert other.status_code == 201 and TaskUpdate.objects.filter(task=task).count() == 3
