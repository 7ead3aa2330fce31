"""Folder intake: files dropped into ``<INTAKE_DIR>/staging/`` are ingested and moved to
``archive/`` (done) or ``failed/``.

A file directly in ``staging/`` uses the default profile; a file in ``staging/<profile>/``
uses that profile. A file is claimed by an atomic rename into ``processing/`` so two sweeps
running at once never take the same file. Files still being written (hidden, ``.part``,
``.tmp``, or modified in the last ``INTAKE_SETTLE_SECONDS``) wait for the next sweep.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings

from incidents.models import IngestBatch
from incidents.pipeline.files import file_move_after, intake_folders
from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import DEFAULT_PROFILE, available_profiles

logger = logging.getLogger(__name__)


def _ready(path: Path, settle: float) -> bool:
    name = path.name
    if name.startswith(".") or name.endswith((".part", ".tmp", ".crdownload")):
        return False
    return time.time() - path.stat().st_mtime >= settle


def pending_files() -> list[tuple[Path, str]]:
    """(file, profile) for every file in staging/ that is ready to be ingested."""
    staging = intake_folders()["staging"]
    settle = float(getattr(settings, "INTAKE_SETTLE_SECONDS", 5))
    profiles = set(available_profiles())
    found = []
    for path in sorted(staging.iterdir()):
        if path.is_file() and _ready(path, settle):
            found.append((path, DEFAULT_PROFILE))
        elif path.is_dir() and path.name in profiles:
            found += [
                (p, path.name) for p in sorted(path.iterdir()) if p.is_file() and _ready(p, settle)
            ]
    return found


def intake_sweep(*, limit: int | None = None) -> list[IngestBatch]:
    """Ingest every ready file in staging/, oldest name first; returns the batches run."""
    folders = intake_folders()
    batches = []
    for path, profile in pending_files()[:limit]:
        claimed = folders["processing"] / f"{time.time_ns()}-{path.name}"
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue  # another sweep took it
        batch = batch_ingest_file(path=claimed, profile_name=profile, file_name=path.name)
        file_move_after(batch=batch, path=claimed, name=path.name)
        batches.append(batch)
    return batches
