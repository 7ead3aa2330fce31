"""`make run` / `make test` work wherever the clone sits, even in a folder the `postgres` user
cannot enter (issue 16, "First run from any folder"): bootstrap a fresh clone in a mode-700
folder for real, then check its cluster, roles and keys."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run(*args: str, cwd: Path, env: dict | None = None, timeout: int = 300):
    return subprocess.run(
        list(args),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def local_env(clone: Path) -> dict[str, str]:
    lines = (clone / "var" / "local.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture
def private_clone(tmp_path):
    """A clone of this commit in a folder only its owner may enter, sharing the .venv."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    clone = private / "khareetaty"
    result = run("git", "clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (clone / ".venv").symlink_to((ROOT / ".venv").resolve())
    installed = (ROOT / ".venv" / ".installed").stat().st_mtime
    for name in ("requirements.txt", "requirements-dev.txt"):  # already installed: skip pip
        os.utime(clone / name, (installed - 60, installed - 60))
    # The clusters of root's clones go under KHAREETATY_PG_ROOT (default /var/lib/khareetaty)
    pg_root = Path(tempfile.mkdtemp(prefix="khareetaty-pg-", dir="/var/tmp"))
    pg_root.chmod(0o755)
    yield clone, pg_root
    run("scripts/stop.sh", cwd=clone, timeout=120)
    shutil.rmtree(pg_root, ignore_errors=True)


def bootstrap_environment(pg_root: Path) -> dict[str, str]:
    """Nothing of this installation (ports, keys, test database) may leak into the clone."""
    leaked = ("KHAREETATY_", "SECRET_KEY", "AUDIT_", "TEST_DATABASE", "DATABASE_URL", "REDIS_URL")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(leaked) and name not in ("DEBUG", "PGOPTIONS")
    }
    return {**env, "KHAREETATY_PG_ROOT": str(pg_root)}


def bootstrap(clone: Path, pg_root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["scripts/bootstrap.sh"],
        cwd=clone,
        env=bootstrap_environment(pg_root),
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )


def test_bootstrap_works_in_a_folder_postgres_cannot_enter(private_clone):
    clone, pg_root = private_clone
    result = bootstrap(clone, pg_root)
    assert result.returncode == 0, result.stdout + result.stderr
    local = local_env(clone)
    pg_home = Path(local["KHAREETATY_PG_HOME"])
    if os.geteuid() == 0:
        cannot_enter = run("runuser", "-u", "postgres", "--", "test", "-x", str(clone), cwd=clone)
        assert cannot_enter.returncode != 0  # the situation of the issue
        assert pg_home.parent == pg_root
        assert (pg_home / "pg" / "PG_VERSION").exists()
    else:
        assert pg_home == clone / "var"
    for name in ("secret-key", "audit-hmac-key"):
        assert oct((clone / "var" / name).stat().st_mode & 0o777) == "0o600"
    # Migrated as the owner, and the application role may only append to the audit trail.
    port = local["KHAREETATY_PG_PORT"]
    with psycopg.connect(
        host="127.0.0.1", port=port, dbname="khareetaty", user="khareetaty_app", autocommit=True
    ) as app:
        assert app.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("DELETE FROM action_log")
    # A second run finds everything in place and keeps the keys.
    key = (clone / "var" / "secret-key").read_text()
    again = bootstrap(clone, pg_root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Creating a project-local PostgreSQL" not in again.stdout
    assert (clone / "var" / "secret-key").read_text() == key
