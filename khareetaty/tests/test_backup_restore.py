"""The restore drill: back up, wipe, restore; every table's rows come back and the audit chain
verifies. Runs on its own database (migrated here), through manage.py as an operator would."""

import os
import uuid

import psycopg
import pytest
from django.conf import settings

from khareetaty.tests.helpers import run_manage

POPULATE = """
from pathlib import Path
from django.conf import settings
from khareetaty.accounts.models import User
from khareetaty.audit.services import audit_checkpoint, audit_record
for index in range(3):
    user = User.objects.create_user(f"drill{index}", password="drill-Password-123456")
    audit_record(action="drill.user_created", obj=user, summary={"index": index, "note": "مرحبا"})
audit_checkpoint()
audit_record(action="drill.after_checkpoint", summary={"ratio": -0.0})
archive = Path(settings.INTAKE_DIR) / "archive" / "kpd"
archive.mkdir(parents=True, exist_ok=True)
(archive / "batch-1.csv").write_bytes(b"id,lat,lon\\n1,29.37,47.97\\n")
"""


def _owner_connection(dbname: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


def _counts(dbname: str) -> dict[str, int]:
    with _owner_connection(dbname) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'spatial_ref_sys' ORDER BY 1"
        ).fetchall()
        return {
            name: conn.execute(f'SELECT count(*) FROM public."{name}"').fetchone()[0]  # noqa: S608
            for (name,) in tables
        }


@pytest.fixture(scope="module")
def drill_env(tmp_path_factory):
    """A fresh database of its own (dropped afterwards), migrated as the owner, and its own
    var/ folders: the suite's test database is never touched."""
    tmp_path = tmp_path_factory.mktemp("drill")
    dbname = f"khareetaty_drill_{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    with _owner_connection("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        "DATABASE_URL": f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{dbname}",
        "INTAKE_DIR": str(tmp_path / "intake"),
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit" / "checkpoints.jsonl"),
    }
    try:
        run_manage("migrate", "--noinput", "-v", "0", env=env)
        yield dbname, env, tmp_path
    finally:
        with _owner_connection("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def test_backup_wipe_restore_brings_every_row_back_and_the_chain_verifies(drill_env):
    dbname, env, tmp_path = drill_env
    run_manage("shell", "-c", POPULATE, env=env)
    before = _counts(dbname)
    assert before["action_log"] == 4 and before["system_users"] >= 3
    assert sum(1 for count in before.values() if count) > 5

    made = run_manage("backup_create", "--output-dir", str(tmp_path / "backups"), env=env)
    backup = tmp_path / "backups" / made.stdout.strip().splitlines()[-1].rsplit("/", 1)[-1]
    assert backup.is_file() and backup.suffix == ".tar"
    assert oct(backup.stat().st_mode & 0o777) == "0o600"

    # Wipe: every table dropped, the intake archive and the checkpoints gone.
    with _owner_connection(dbname) as conn:
        for name in before:
            conn.execute(f'DROP TABLE IF EXISTS public."{name}" CASCADE')
    archived = tmp_path / "intake" / "archive" / "kpd" / "batch-1.csv"
    archived.unlink()
    (tmp_path / "audit" / "checkpoints.jsonl").unlink()
    assert _counts(dbname) == {}

    restored = run_manage("backup_restore", str(backup), env=env, check=False)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert _counts(dbname) == before
    assert archived.read_bytes() == b"id,lat,lon\n1,29.37,47.97\n"
    assert "Audit chain intact: 4 entries, 1 signed checkpoints hold." in restored.stdout
    verified = run_manage("audit_verify", env=env, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(drill_env):
    dbname, env, tmp_path = drill_env
    before = _counts(dbname)
    bogus = tmp_path / "not-a-backup.tar"
    bogus.write_bytes(os.urandom(2048))
    result = run_manage("backup_restore", str(bogus), env=env, check=False)
    assert result.returncode != 0
    assert "is not a readable backup" in result.stderr
    assert _counts(dbname) == before
