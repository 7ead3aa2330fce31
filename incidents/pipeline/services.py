"""Ingest batches: create, run, and the all-or-nothing rule.

A batch runs in one transaction: either every received record is stored (as a raw record,
and as an incident, a duplicate or a rejected row) or, when the file turns out unreadable,
nothing is and the batch is marked failed with one message. The counts always satisfy
``received = accepted + duplicates + rejected`` and ``RawIncident`` holds ``received`` rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import BatchStatus
from incidents.geo import RegionShapes
from incidents.models import IngestBatch
from incidents.pipeline import load
from incidents.pipeline.files import file_move_after, intake_folders
from incidents.pipeline.prefetch import Prefetch
from incidents.pipeline.prepare import BatchContext, PreparedChunk, chunks_prepare
from incidents.pipeline.readers import (
    CHUNK_ROWS,
    Chunk,
    UnreadableFile,
    inspect_file,
    read_chunks,
    records_chunk,
)
from incidents.pipeline.timing import Clock
from incidents.profiles import Profile, load_profile
from incidents.signals import batch_accepted
from incidents.validation import known_category_codes
from khareetaty.audit.services import audit_record

logger = logging.getLogger(__name__)
Progress = Callable[[int], None]  # called with the number of rows just processed
INTERNAL_ERROR = gettext_lazy(
    "The batch stopped on an internal error; nothing was stored. The server log has details."
)


@dataclass
class BatchCounts:
    received: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def duplicates(self) -> int:
        """Valid records not inserted: their (source, id) or near-twin was already there."""
        return self.received - self.accepted - self.rejected


def batch_create(
    *,
    profile_name: str = "kuwait",
    file_name: str = "",
    file_path: str = "",
    created_by=None,
) -> IngestBatch:
    """A pending batch for a file (or stored API records) to be run by ``batch_run``."""
    load_profile(profile_name)  # fail early on an unknown profile
    batch = IngestBatch(
        source=profile_name,
        file_name=file_name[:500],
        file_path=file_path,
        created_by=created_by,
        status=BatchStatus.PENDING,
    )
    batch.full_clean()
    batch.save()
    return batch


def batch_run(*, batch_id: int, progress: Progress | None = None) -> IngestBatch:
    """Run a pending batch from its stored file. Safe to call twice: only the caller that
    moves the batch from pending to running does the work."""
    claimed = IngestBatch.objects.filter(pk=batch_id, status=BatchStatus.PENDING).update(
        status=BatchStatus.RUNNING, started_at=timezone.now()
    )
    batch = IngestBatch.objects.get(pk=batch_id)
    if not claimed:
        logger.info("batch %s is %s; not run again", batch_id, batch.status)
        return batch
    path = Path(batch.file_path)
    batch = _run_file(batch, path, progress)
    if path.is_file() and path.parent == intake_folders()["uploads"]:
        file_move_after(batch=batch, path=path)
    return batch


def batch_ingest_file(
    *,
    path: Path,
    profile_name: str = "kuwait",
    created_by=None,
    progress: Progress | None = None,
    file_name: str = "",
) -> IngestBatch:
    """Ingest one file now (the ``ingest`` command, the folder sweep)."""
    batch = batch_create(
        profile_name=profile_name,
        file_name=file_name or Path(path).name,
        file_path=str(path),
        created_by=created_by,
    )
    IngestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now()
    )
    batch.refresh_from_db()
    return _run_file(batch, Path(path), progress)


def batch_ingest_records(
    *,
    records: list,
    profile_name: str = "kuwait",
    created_by=None,
    name: str = "api",
    profile: Profile | None = None,
) -> IngestBatch:
    """Ingest a list of JSON records now (small API batches). ``profile``: a profile object
    to read them with instead of ``profile_name``'s (a partner's pushes: its own source)."""
    batch = batch_create(profile_name=profile_name, file_name=name, created_by=created_by)
    IngestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now()
    )
    batch.refresh_from_db()
    profile = profile or load_profile(profile_name)

    def chunks() -> Iterator[Chunk]:
        for i in range(0, max(len(records), 1), 50_000):
            yield records_chunk(records[i : i + 50_000], profile, i + 1)

    return _run(batch, profile, chunks, None)


def _run_file(batch: IngestBatch, path: Path, progress: Progress | None) -> IngestBatch:
    profile = load_profile(batch.source)
    try:
        source = inspect_file(path, profile)
    except UnreadableFile as exc:
        return _fail(batch, str(exc))
    except Exception:
        logger.exception("batch %s: reading %s failed", batch.pk, path.name)
        return _fail(batch, str(INTERNAL_ERROR))
    IngestBatch.objects.filter(pk=batch.pk).update(
        file_sha256=source.sha256, file_format=source.format
    )
    batch.file_sha256, batch.file_format = source.sha256, source.format
    return _run(batch, profile, lambda: read_chunks(source, profile), progress)


def _run(
    batch: IngestBatch,
    profile: Profile,
    chunks: Callable[[], Iterable[Chunk]],
    progress: Progress | None,
) -> IngestBatch:
    """Run the batch with optimistic inserts; if a key collides (``load.IdConflict``), the
    work is rolled back and done again, skipping keys already loaded as it goes."""
    started = time.monotonic()
    try:
        try:
            totals = _load_all(batch, profile, chunks(), progress, tolerant=False)
        except load.IdConflict as exc:
            logger.info("batch %s runs again, tolerating loaded ids: %s", batch.pk, exc)
            totals = _load_all(batch, profile, chunks(), progress, tolerant=True)
    except UnreadableFile as exc:
        return _fail(batch, str(exc))
    except Exception:
        # Whatever killed it (a bug, the database, a time limit), the batch must not stay
        # "running": its transaction is rolled back, so it failed with nothing written.
        logger.exception("batch %s failed on an unexpected error", batch.pk)
        return _fail(batch, str(INTERNAL_ERROR))
    load.refresh_after_load(totals.accepted)
    logger.info(
        "batch %s done in %.1fs: %s received, %s accepted, %s duplicates, %s rejected",
        batch.pk, time.monotonic() - started,
        totals.received, totals.accepted, totals.duplicates, totals.rejected,
    )  # fmt: skip
    return batch


def _load_all(
    batch: IngestBatch,
    profile: Profile,
    chunks: Iterable[Chunk],
    progress: Progress | None,
    *,
    tolerant: bool,
) -> BatchCounts:
    """Load every chunk in one transaction and finish the batch; returns its counts."""
    totals = BatchCounts()
    try:
        with transaction.atomic():
            load.create_staging()
            staging = load.Staging(profile, tolerant=tolerant)
            context = BatchContext(
                batch_id=batch.pk,
                profile=profile,
                known_categories=known_category_codes(),
                now=timezone.now(),
                shapes=RegionShapes.load(profile.regions.profile),
                raw_sequence=load.raw_id_sequence(),
            )
            # Enough prepared chunks wait to keep the reader busy through a grouped insert.
            ahead = max(1, load.INSERT_ROWS // CHUNK_ROWS)
            prepared = iter(Prefetch(chunks_prepare(chunks, context), ahead=ahead))
            try:
                while True:
                    clock = Clock()
                    chunk = next(prepared, None)
                    clock.lap("read_wait")
                    if chunk is None:
                        break
                    _load_chunk(staging, chunk, totals)
                    if progress:
                        progress(chunk.received)
                totals.accepted += staging.flush()
            finally:
                prepared.close()  # stops the reader thread if the batch ended early
            if totals.received == 0:
                raise UnreadableFile(_("The file holds no records."))
            _finish(batch, totals, BatchStatus.DONE, "")
            transaction.on_commit(lambda: _announce(batch))
    except load.IdConflict:
        if progress:
            progress(-totals.received)  # the rows are read again
        raise
    return totals


def _load_chunk(staging: load.Staging, chunk: PreparedChunk, totals: BatchCounts) -> None:
    clock = Clock()
    load.copy_rows("incidents_raw", chunk.raw_columns, chunk.raw)
    clock.lap("raw")
    load.copy_rows("incidents_rejectedrow", load.REJECTED_COLUMNS, chunk.rejected_rows)
    clock.lap("rejected")
    if chunk.staged:
        totals.accepted += staging.add(chunk.staging, chunk.staged, chunk.staged_without_id)
    totals.received += chunk.received
    totals.rejected += chunk.rejected


def _finish(batch: IngestBatch, totals: BatchCounts, status: str, error: str) -> None:
    batch.received = totals.received
    batch.accepted = totals.accepted
    batch.duplicates = totals.duplicates
    batch.rejected = totals.rejected
    batch.status = status
    batch.error_message = error
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "received", "accepted", "duplicates", "rejected", "status", "error_message",
            "finished_at",
        ]
    )  # fmt: skip
    audit_record(
        action="ingest",
        actor=batch.created_by,
        obj=batch,
        summary={
            "profile": batch.source,
            "file": batch.file_name,
            "sha256": batch.file_sha256,
            "status": status,
            "received": totals.received,
            "accepted": totals.accepted,
            "duplicates": totals.duplicates,
            "rejected": totals.rejected,
            "error": error,
        },
    )


def _fail(batch: IngestBatch, message: str) -> IngestBatch:
    logger.warning("batch %s failed: %s", batch.pk, message)
    with transaction.atomic():
        _finish(batch, BatchCounts(), BatchStatus.FAILED, message)
    return batch


def batch_fail(*, batch_id: int, message: str) -> bool:
    """Mark a batch that is still pending or running failed (a task that died with it);
    returns whether it was. A finished batch is left as it is."""
    batch = IngestBatch.objects.filter(
        pk=batch_id, status__in=[BatchStatus.PENDING, BatchStatus.RUNNING]
    ).first()
    if batch is None:
        return False
    _fail(batch, message)
    return True


def batch_fail_stale(*, older_than: dt.timedelta | None = None) -> list[int]:
    """Mark failed every batch still "running" that started longer ago than ``older_than``
    (default ``INGEST_STALE_BATCH_MINUTES``): its worker died (killed, out of memory, a hard
    time limit) before it could say so. Returns their ids."""
    age = older_than or dt.timedelta(minutes=settings.INGEST_STALE_BATCH_MINUTES)
    stale = IngestBatch.objects.filter(
        status=BatchStatus.RUNNING, started_at__lt=timezone.now() - age
    ).values_list("pk", flat=True)
    message = _("The batch stopped without finishing (its worker died); nothing was stored.")
    failed = []
    for batch_id in list(stale):
        with transaction.atomic():
            # Locked and checked again: a batch that finishes meanwhile keeps its result.
            batch = (
                IngestBatch.objects.select_for_update()
                .filter(pk=batch_id, status=BatchStatus.RUNNING)
                .first()
            )
            if batch is not None:
                _finish(batch, BatchCounts(), BatchStatus.FAILED, message)
                failed.append(batch_id)
    if failed:
        logger.warning("stale running batches marked failed: %s", failed)
    return failed


def _announce(batch: IngestBatch) -> None:
    if batch.accepted:
        batch_accepted.send(sender=IngestBatch, batch_id=batch.pk, incident_ids=None)


__all__ = [
    "batch_create",
    "batch_fail",
    "batch_fail_stale",
    "batch_ingest_file",
    "batch_ingest_records",
    "batch_run",
]
