import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_set_role
from khareetaty.audit.models import ActionLog
from khareetaty.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def test_entries_chain_onto_each_other():
    first = audit_record(action="create", object_type="demo.thing", object_id=1)
    second = audit_record(action="update", object_type="demo.thing", object_id=1, summary={"x": 1})
    assert second.previous_hash == first.entry_hash
    assert audit_verify().ok


def test_database_refuses_update_and_delete():
    entry = audit_record(action="create", object_type="demo.thing", object_id=1)
    for statement in (
        "UPDATE action_log SET action = 'nothing' WHERE id = %s",
        "DELETE FROM action_log WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert ActionLog.objects.get(pk=entry.pk).action == "create"


def tamper(entry_id: int, sql_set: str) -> None:
    """Edit an entry the way an intruder with table ownership would: trigger off, UPDATE."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE action_log DISABLE TRIGGER action_log_append_only")
        cursor.execute(f"UPDATE action_log SET {sql_set} WHERE id = %s", [entry_id])  # noqa: S608
        cursor.execute("ALTER TABLE action_log ENABLE TRIGGER action_log_append_only")


def test_audit_verify_names_the_first_tampered_entry():
    entries = [
        audit_record(action="create", object_type="demo.thing", object_id=i) for i in range(4)
    ]
    tamper(entries[2].pk, "summary = '{\"forged\": true}'")
    result = audit_verify()
    assert result.first_broken_id == entries[2].pk
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"broken at entry {entries[2].pk}"):
        call_command("audit_verify")


def test_audit_verify_detects_a_rehashed_entry_by_the_broken_link():
    entries = [
        audit_record(action="create", object_type="demo.thing", object_id=i) for i in range(3)
    ]
    tamper(entries[1].pk, "entry_hash = repeat('0', 64)")
    assert audit_verify().first_broken_id == entries[1].pk


def test_role_change_is_audited_with_before_and_after(make_user):
    admin = make_user(Role.SUPERADMIN)
    user = make_user(Role.VIEWER)
    user_set_role(user=user, role=Role.ANALYST, actor=admin)
    entry = ActionLog.objects.get(action="role_change", object_id=str(user.pk))
    assert entry.summary == {"from": "viewer", "to": "analyst"}
    assert entry.actor_username == admin.username and entry.actor_role == "superadmin"
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["analyst"]


def test_admin_change_of_a_role_is_audited(client, make_user):
    admin = make_user(Role.SUPERADMIN)
    user = make_user(Role.VIEWER)
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"}
    data.update(role="analyst", is_active="on", notification_channels='["sms"]')
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ActionLog.objects.filter(action="role_change", object_id=str(user.pk)).exists()
    assert ActionLog.objects.filter(
        action="update", object_id=str(user.pk), actor_id=admin.pk
    ).exists()


def test_page_login_success_and_failure_are_audited(client, make_user):
    user = make_user(Role.VIEWER)
    client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    actions = list(
        ActionLog.objects.filter(summary__username=user.username).values_list("action", flat=True)
    )
    assert "login_failed" in actions and "login" in actions
    login = ActionLog.objects.get(action="login", actor_id=user.pk)
    assert login.ip_address == "127.0.0.1"
    assert login.request_id


def test_audit_api_is_for_superadmins(client_for):
    audit_record(action="create", object_type="demo.thing", object_id=1)
    assert client_for(Role.ANALYST).get("/api/audit/").status_code == 403
    response = client_for(Role.SUPERADMIN).get("/api/audit/", {"action": "create"})
    assert response.status_code == 200
    assert all(row["action"] == "create" for row in response.data["results"])
