"""Backups and restores: the whole database (pg_dump custom format), the intake archive folder
and the audit trail's signed checkpoints, in one tar file with a manifest of row counts.

``backup_create`` and ``backup_restore`` run as the schema owner (they read and recreate every
table); the application role cannot. The restore runs in one transaction: it either
completes or leaves the database as it was. Extensions (PostGIS) are not restored: they belong
to the database administrator and must exist in the target database already.
"""

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
DUMP = "database.dump"
INTAKE_ARCHIVE = "intake-archive"
CHECKPOINTS = "audit-checkpoints.jsonl"
FORMAT_VERSION = 1

# Tables that belong to an extension (PostGIS's spatial_ref_sys) are the administrator's.
_USER_TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
"""


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why."""


def _pg_environment() -> dict[str, str]:
    """libpq variables for the configured database (the password never on a command line)."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    binary = shutil.which(args[0])
    if binary is None:
        raise BackupError(f"{args[0]} is not installed (the PostgreSQL client tools)")
    result = subprocess.run(  # noqa: S603 — fixed binaries, arguments are ours
        [binary, *args[1:]], env=_pg_environment(), capture_output=True, text=True, **kwargs
    )
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[-2000:]}")
    return result


def table_row_counts() -> dict[str, int]:
    """Exact row count of every table the application owns, by ``schema.table``."""
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(_USER_TABLES_SQL)
        tables = cursor.fetchall()
        for schema, table in tables:
            name = connection.ops.quote_name(schema) + "." + connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 — quoted catalogue names
            counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _intake_archive_dir() -> Path:
    return Path(settings.INTAKE_DIR) / "archive"


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup_create(*, output_dir: Path) -> Path:
    """Write ``khareetaty-<UTC time>.tar`` into ``output_dir`` and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = output_dir / f"khareetaty-{stamp}.tar"
    with tempfile.TemporaryDirectory(prefix="khareetaty-backup-") as work:
        dump = Path(work) / DUMP
        # Counts taken before the dump; pg_dump's snapshot is later, so on a live system a
        # count may grow. The drill compares after a restore on a quiet database.
        counts = table_row_counts()
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}"])
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": settings.DATABASES["default"]["NAME"],
            "row_counts": counts,
        }
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            tar.add(dump, arcname=DUMP)
            archive = _intake_archive_dir()
            if archive.is_dir():
                tar.add(archive, arcname=INTAKE_ARCHIVE)
            checkpoints = Path(settings.AUDIT_CHECKPOINT_FILE)
            if checkpoints.is_file():
                tar.add(checkpoints, arcname=CHECKPOINTS)
        partial.chmod(0o600)
        partial.replace(target)
    return target


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    row_counts: dict[str, int]
    intake_files: int

    @property
    def mismatched_tables(self) -> dict[str, tuple[int, int | None]]:
        """Tables whose count after the restore differs from the manifest's."""
        expected = self.manifest["row_counts"]
        return {
            name: (count, self.row_counts.get(name))
            for name, count in expected.items()
            if self.row_counts.get(name) != count
        }


_EXTENSION_TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
WHERE c.relkind IN ('r', 'p')
"""


def _restore_list(dump: Path, work: Path) -> Path:
    """pg_restore's table of contents without the extensions and their configuration tables'
    rows (PostGIS's spatial_ref_sys): those are the administrator's, present already."""
    with connection.cursor() as cursor:
        cursor.execute(_EXTENSION_TABLES_SQL)
        extension_data = {f" TABLE DATA {schema} {table} " for schema, table in cursor.fetchall()}
    toc = _run(["pg_restore", "--list", str(dump)]).stdout.splitlines()
    kept = [
        line
        for line in toc
        if " EXTENSION " not in line and not any(marker in line for marker in extension_data)
    ]
    listing = work / "restore.list"
    listing.write_text("\n".join(kept) + "\n")
    return listing


def backup_restore(*, path: Path) -> RestoreResult:
    """Restore the database, the intake archive and the checkpoints from a backup file."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="khareetaty-restore-") as work_dir:
        work = Path(work_dir)
        try:
            with tarfile.open(path, "r") as tar:
                tar.extractall(work, filter="data")  # refuses absolute paths and links out
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{path} is not a readable backup: {exc}") from exc
        try:
            manifest = json.loads((work / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} has no readable {MANIFEST}: {exc}") from exc
        if manifest.get("format") != FORMAT_VERSION or not (work / DUMP).is_file():
            raise BackupError(f"{path} is not a Khareetaty backup of format {FORMAT_VERSION}")
        listing = _restore_list(work / DUMP, work)
        connection.close()  # pg_restore drops and recreates the tables this process uses
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--use-list={listing}",
                f"--dbname={settings.DATABASES['default']['NAME']}",
                str(work / DUMP),
            ]
        )
        intake_files = 0
        source = work / INTAKE_ARCHIVE
        if source.is_dir():
            shutil.copytree(source, _intake_archive_dir(), dirs_exist_ok=True)
            intake_files = sum(1 for item in source.rglob("*") if item.is_file())
        if (work / CHECKPOINTS).is_file():
            target = Path(settings.AUDIT_CHECKPOINT_FILE)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file():  # kept: it may anchor entries newer than the backup
                shutil.copyfile(target, target.with_name(target.name + ".before-restore"))
            shutil.copyfile(work / CHECKPOINTS, target)
    return RestoreResult(manifest, table_row_counts(), intake_files)
