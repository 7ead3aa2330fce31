"""The audit trail holds against the application's own database role and against an intruder
who can write to the database but does not hold the HMAC key (issue 15, item 8 and 9c)."""

import hashlib
import json

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from khareetaty.audit.chain import canonical_fields
from khareetaty.audit.models import ActionLog
from khareetaty.audit.services import audit_checkpoint, audit_record, audit_verify

pytestmark = pytest.mark.django_db


def connect_as_app_role() -> psycopg.Connection:
    """A second connection to the test database, as the role the application serves with."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=connection.settings_dict["NAME"],
        user=settings.DB_APP_ROLE,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_application_role_may_only_insert_and_read_the_audit_trail():
    audit_record(action="create", object_type="demo.thing", object_id=1)
    with connect_as_app_role() as app:
        assert app.execute("SELECT count(*) FROM action_log").fetchone()[0] == 1
        for statement in (
            "UPDATE action_log SET action = 'nothing'",
            "DELETE FROM action_log",
            "TRUNCATE action_log",
            "ALTER TABLE action_log DISABLE TRIGGER action_log_append_only",
            "DROP TRIGGER action_log_no_truncate ON action_log",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # ...while it keeps its ordinary read/write privileges elsewhere.
        app.execute("SELECT count(*) FROM incidents_clean")
        role = app.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False, False)
    assert ActionLog.objects.get().action == "create"


def test_database_refuses_truncate_of_the_audit_trail():
    audit_record(action="create", object_type="demo.thing", object_id=1)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test database allows it for Django's flush; a deployment's does not.
        cursor.execute("SET LOCAL khareetaty.audit_truncate = 'deny'")
        cursor.execute("TRUNCATE action_log")
    assert ActionLog.objects.count() == 1


def rehash_without_the_key(entries: list[ActionLog]) -> None:
    """What an intruder with the table but not the key can do: rewrite a row and recompute
    a consistent plain SHA-256 chain over it."""
    previous = entries[0].previous_hash
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE action_log DISABLE TRIGGER action_log_append_only")
        for entry in entries:
            entry.refresh_from_db()
            digest = hashlib.sha256(f"{previous}|{canonical_fields(entry)}".encode()).hexdigest()
            cursor.execute(
                "UPDATE action_log SET previous_hash = %s, entry_hash = %s WHERE id = %s",
                [previous, digest, entry.pk],
            )
            previous = digest
        cursor.execute("ALTER TABLE action_log ENABLE TRIGGER action_log_append_only")


def test_a_chain_recomputed_without_the_key_does_not_verify():
    entries = [audit_record(action="create", object_type="demo.thing", object_id=i) for i in (1, 2)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE action_log DISABLE TRIGGER action_log_append_only")
        cursor.execute("UPDATE action_log SET action = 'view' WHERE id = %s", [entries[0].pk])
        cursor.execute("ALTER TABLE action_log ENABLE TRIGGER action_log_append_only")
    rehash_without_the_key(entries)
    result = audit_verify()
    assert result.first_broken_id == entries[0].pk
    assert "keyed hash" in result.reason


def test_audit_verify_checks_the_configured_key(settings):
    entry = audit_record(action="create", object_type="demo.thing", object_id=1)
    assert audit_verify().ok
    settings.AUDIT_HMAC_KEY = "another-key-" + "x" * 40
    result = audit_verify()
    assert result.first_broken_id == entry.pk
    assert "written with another key" in result.reason


def test_checkpoint_reveals_a_truncated_tail(tmp_path):
    checkpoints = tmp_path / "checkpoints.jsonl"
    entries = [audit_record(action="create", object_type="demo.thing", object_id=i) for i in (1, 2)]
    checkpoint = audit_checkpoint(path=checkpoints)
    assert checkpoint.entry_id == entries[-1].pk
    assert oct(checkpoints.stat().st_mode & 0o777) == "0o600"
    assert audit_verify(checkpoint_path=checkpoints).ok
    with connection.cursor() as cursor:  # the owner deletes the tail: the chain alone still holds
        cursor.execute("ALTER TABLE action_log DISABLE TRIGGER action_log_append_only")
        cursor.execute("DELETE FROM action_log WHERE id = %s", [entries[-1].pk])
        cursor.execute("ALTER TABLE action_log ENABLE TRIGGER action_log_append_only")
    result = audit_verify(checkpoint_path=checkpoints)
    assert result.first_broken_id is None
    assert result.problems == [
        f"checkpoint line 1: entry {entries[-1].pk} is missing or was rewritten"
    ]


def test_a_forged_checkpoint_is_refused(tmp_path, settings):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    audit_record(action="create", object_type="demo.thing", object_id=1)
    call_command("audit_checkpoint")
    line = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    line["id"] += 1000
    settings.AUDIT_CHECKPOINT_FILE.write_text(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="line 1 has an invalid signature"):
        call_command("audit_verify")


def test_values_the_database_normalises_keep_the_chain_intact():
    """9c: an area change of -0.0 % in regions_load broke the chain on every fresh install
    (JSONB has no negative zero; it also turns 1e+16 into an integer)."""
    audit_record(action="demo", summary={"area_change_pct": -0.0, "big": 1e16, "nul": "a\x00b"})
    audit_record(action="demo", summary={"nested": [{"x": -0.0}]}, object_id="x" * 80)
    assert audit_verify().ok


def test_demo_setup_leaves_a_verifiable_audit_trail(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("setup_demo", "--users-only")
    csv_path = tmp_path / "incidents.csv"
    call_command("generate_incidents", count=300, days=30, seed=7, out=str(csv_path))
    call_command("ingest", str(csv_path), profile="kuwait")
    assert ActionLog.objects.filter(action="regions_load").exists()
    result = audit_verify()
    assert result.ok, result
    assert result.checked == ActionLog.objects.count()
    call_command("audit_verify")


def test_a_checkpoint_is_written_only_when_the_head_moved(tmp_path):
    checkpoints = tmp_path / "checkpoints.jsonl"
    audit_record(action="create", object_type="demo.thing", object_id=1)
    assert audit_checkpoint(path=checkpoints) is not None
    assert audit_checkpoint(path=checkpoints) is None
    audit_record(action="create", object_type="demo.thing", object_id=2)
    assert audit_checkpoint(path=checkpoints) is not None
    assert len(checkpoints.read_text().splitlines()) == 2
    assert audit_verify(checkpoint_path=checkpoints).checkpoints == 2
