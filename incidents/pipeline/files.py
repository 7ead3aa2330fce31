"""The intake folders under ``settings.INTAKE_DIR`` (default ``var/intake``) and moving a
processed file to ``archive/`` or ``failed/``."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings

from incidents.choices import BatchStatus
from incidents.models import IngestBatch

logger = logging.getLogger(__name__)
FOLDERS = ("staging", "processing", "archive", "failed", "uploads")


def intake_dir() -> Path:
    return Path(getattr(settings, "INTAKE_DIR", Path(settings.BASE_DIR) / "var" / "intake"))


def intake_folders() -> dict[str, Path]:
    """The intake folders, created when missing."""
    root = intake_dir()
    folders = {name: root / name for name in FOLDERS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def file_move_after(*, batch: IngestBatch, path: Path, name: str | None = None) -> Path:
    """Move a processed file to archive/ or failed/ as ``<batch id>-<name>``."""
    folders = intake_folders()
    target_dir = folders["archive"] if batch.status == BatchStatus.DONE else folders["failed"]
    target = target_dir / f"{batch.pk}-{name or path.name}"
    shutil.move(str(path), target)
    IngestBatch.objects.filter(pk=batch.pk).update(file_path=str(target))
    batch.file_path = str(target)
    logger.info("batch %s: %s moved to %s", batch.pk, name or path.name, target_dir.name)
    return target
