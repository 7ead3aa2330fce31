"""Folder intake: files dropped into ``<INTAKE_DIR>/staging/`` are ingested and moved to
``archive/`` (done) or ``failed/``.

A file directly in ``staging/`` uses the default profile; a file in ``staging/<profile>/``
uses that profile. A file is claimed by an atomic rename into ``processing/`` so two sweeps
running at once never take the same file. Files still being written (hidden, ``.part``,
``.tmp``, or modified in the last ``INTAKE_SETTLE_SECONDS``) wait for the next sweep.

Only regular files that really live in the staging folder are taken: a symlink (to a file
or a profile folder), a hard link to a file elsewhere, or anything that resolves outside
staging/ is skipped, logged and reported by the sweep, and never read or moved; whoever can
drop files must not be able to make the worker read (and echo) a file it can reach.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from incidents.models import IngestBatch
from incidents.pipeline.files import file_move_after, intake_folders
from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import DEFAULT_PROFILE, available_profiles

logger = logging.getLogger(__name__)


@dataclass
class Pending:
    """What a look at staging/ found: files ready to ingest (with their profile), and the
    entries skipped because they are not plain files of the staging folder."""

    ready: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def _ready(path: Path, settle: float) -> bool:
    name = path.name
    if name.startswith(".") or name.endswith((".part", ".tmp", ".crdownload")):
        return False
    return time.time() - path.lstat().st_mtime >= settle


def _plain_inside(path: Path, root: Path) -> bool:
    """``path`` is no symlink, resolves inside ``root``, and (a regular file) has no other
    name: a hard link can point at a file outside the folder too."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode) or not path.resolve().is_relative_to(root):
        return False
    return not (stat.S_ISREG(info.st_mode) and info.st_nlink > 1)


def pending_files() -> Pending:
    """Every file in staging/ that is ready to be ingested, and what was skipped."""
    staging = intake_folders()["staging"].resolve()
    settle = float(getattr(settings, "INTAKE_SETTLE_SECONDS", 5))
    profiles = set(available_profiles())
    found = Pending()
    for path in sorted(staging.iterdir()):
        if not _plain_inside(path, staging):
            found.skipped.append(path)
        elif path.is_file():
            if _ready(path, settle):
                found.ready.append((path, DEFAULT_PROFILE))
        elif path.is_dir() and path.name in profiles:
            for inner in sorted(path.iterdir()):
                if not _plain_inside(inner, staging):
                    found.skipped.append(inner)
                elif inner.is_file() and _ready(inner, settle):
                    found.ready.append((inner, path.name))
    for path in found.skipped:
        logger.warning("intake: %s skipped: not a plain file of the staging folder", path)
    return found


@dataclass
class SweepResult:
    batches: list[IngestBatch] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # paths relative to staging/


def intake_sweep(*, limit: int | None = None) -> SweepResult:
    """Ingest every ready file in staging/, oldest name first; returns the batches run and the
    entries skipped (symlinks and anything else that is not a plain file of staging/)."""
    folders = intake_folders()
    staging = folders["staging"].resolve()
    pending = pending_files()
    result = SweepResult(skipped=[str(p.relative_to(staging)) for p in pending.skipped])
    for path, profile in pending.ready[:limit]:
        claimed = folders["processing"] / f"{time.time_ns()}-{path.name}"
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue  # another sweep took it
        if not _claimed_plain(claimed):
            result.skipped.append(str(path.relative_to(staging)))
            continue
        batch = batch_ingest_file(path=claimed, profile_name=profile, file_name=path.name)
        file_move_after(batch=batch, path=claimed, name=path.name)
        result.batches.append(batch)
    return result


def _claimed_plain(claimed: Path) -> bool:
    """The entry swapped for a symlink between the look and the claim: drop the link (the
    rename moved the link itself, never its target) and read nothing."""
    info = claimed.lstat()
    if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
        return True
    logger.warning("intake: %s was replaced before it was claimed; not read", claimed)
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(claimed)  # removes the link's name only, never its target
    return False
