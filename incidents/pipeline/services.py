"""Ingest batches: create, run, and the all-or-nothing rule.

A batch runs in one transaction: either every received record is stored (as a raw record,
and as an incident, a duplicate or a rejected row) or, when the file turns out unreadable,
nothing is and the batch is marked failed with one message. The counts always satisfy
``received = accepted + duplicates + rejected`` and ``RawIncident`` holds ``received`` rows.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incidents.choices import BatchStatus
from incidents.models import IngestBatch
from incidents.pipeline import load
from incidents.pipeline.files import file_move_after, intake_folders
from incidents.pipeline.readers import (
    Chunk,
    UnreadableFile,
    inspect_file,
    read_chunks,
    records_chunk,
)
from incidents.profiles import Profile, load_profile
from incidents.signals import batch_accepted
from incidents.validation import FrameResult, known_category_codes, validate_frame
from khareetaty.audit.services import audit_record

logger = logging.getLogger(__name__)
# Seconds spent per stage in this process: the benchmark prints it to show where the time
# goes. ``read`` and ``validate`` run in the reader thread, beside the database stages (raw,
# rejected, known_ids, staging, dedupe, regions, insert); ``read_wait`` is how long the
# loader waited for them.
STAGE_SECONDS: Counter[str] = Counter()
Progress = Callable[[int], None]  # called with the number of rows just processed


@dataclass
class ChunkCounts:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, other: ChunkCounts) -> None:
        self.received += other.received
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected


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
    *, records: list, profile_name: str = "kuwait", created_by=None, name: str = "api"
) -> IngestBatch:
    """Ingest a list of JSON records now (small API batches)."""
    batch = batch_create(profile_name=profile_name, file_name=name, created_by=created_by)
    IngestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now()
    )
    batch.refresh_from_db()
    profile = load_profile(profile_name)
    chunks = (
        records_chunk(records[i : i + 50_000], profile, i + 1)
        for i in range(0, max(len(records), 1), 50_000)
    )
    return _run(batch, profile, chunks, None)


def _run_file(batch: IngestBatch, path: Path, progress: Progress | None) -> IngestBatch:
    profile = load_profile(batch.source)
    try:
        source = inspect_file(path, profile)
    except UnreadableFile as exc:
        return _fail(batch, str(exc))
    IngestBatch.objects.filter(pk=batch.pk).update(
        file_sha256=source.sha256, file_format=source.format
    )
    batch.file_sha256, batch.file_format = source.sha256, source.format
    return _run(batch, profile, read_chunks(source, profile), progress)


def _run(
    batch: IngestBatch, profile: Profile, chunks: Iterable[Chunk], progress: Progress | None
) -> IngestBatch:
    started = time.monotonic()
    totals = ChunkCounts()
    try:
        with transaction.atomic():
            load.create_staging()
            load.refresh_region_pieces(profile)
            known = known_category_codes()
            now = timezone.now()
            # Validation runs beside the reader when its rules need no database (no
            # reprojection, no region-based service area); otherwise here, in the batch's
            # transaction.
            db_free = profile.crs == 4326 and not profile.service_area_regions
            pairs = iter(
                _Prefetch(
                    _validated(chunks, profile, known, now)
                    if db_free
                    else ((chunk, None) for chunk in _read(chunks))
                )
            )
            try:
                while True:
                    tick = time.perf_counter()
                    pair = next(pairs, None)
                    STAGE_SECONDS["read_wait"] += time.perf_counter() - tick
                    if pair is None:
                        break
                    chunk, result = pair
                    if result is None:
                        result = _validate(chunk, profile, known, now)
                    counts = _load_chunk(batch, profile, chunk, result)
                    totals.add(counts)
                    if progress:
                        progress(counts.received)
            finally:
                pairs.close()  # stops the reader thread if the batch ended early
            if totals.received == 0:
                raise UnreadableFile(_("The file holds no records."))
            _finish(batch, totals, BatchStatus.DONE, "")
            transaction.on_commit(lambda: _announce(batch))
    except UnreadableFile as exc:
        return _fail(batch, str(exc))
    logger.info("batch %s done in %.1fs: %s", batch.pk, time.monotonic() - started, totals.__dict__)
    return batch


def _read(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
    chunks = iter(chunks)
    while True:
        tick = time.perf_counter()
        chunk = next(chunks, None)
        STAGE_SECONDS["read"] += time.perf_counter() - tick
        if chunk is None:
            return
        yield chunk


def _validated(chunks: Iterable[Chunk], profile, known, now) -> Iterator[tuple]:
    for chunk in _read(chunks):
        yield chunk, _validate(chunk, profile, known, now)


def _validate(chunk: Chunk, profile, known, now) -> FrameResult:
    tick = time.perf_counter()
    result = validate_frame(chunk.frame, profile, now=now, known_categories=known)
    for pos, reader_errors in chunk.errors.items():
        result.errors[pos] = reader_errors + result.errors.get(pos, [])
    STAGE_SECONDS["validate"] += time.perf_counter() - tick
    return result


def _load_chunk(batch, profile, chunk: Chunk, result: FrameResult) -> ChunkCounts:
    size = len(chunk.raw)
    clock = _Clock()
    errors = result.errors
    raw_ids = load.reserve_raw_ids(size)
    load.copy_raw(batch.pk, raw_ids, chunk.first_row, chunk.raw)
    clock.lap("raw")
    rejected_positions = sorted(errors)
    load.copy_rejected(
        batch.pk,
        [
            (
                chunk.first_row + pos,
                chunk.raw[pos],
                json.dumps([e.as_dict() for e in errors[pos]], ensure_ascii=False),
            )
            for pos in rejected_positions
        ],
    )
    clock.lap("rejected")
    clean = result.clean.drop(index=[p for p in chunk.errors if p in result.clean.index])
    # Duplicates by id never reach staging: ids already loaded, and repeats in the chunk
    # (the first occurrence wins).
    ids = clean["external_id"]
    loaded = load.existing_external_ids(profile.source, ids.tolist())
    fresh = ~ids.duplicated(keep="first")
    if loaded:
        fresh &= ~ids.isin(loaded)
    clean = clean[fresh.to_numpy()]
    clock.lap("known_ids")
    positions = clean.index.to_numpy()
    accepted = 0
    if len(clean):
        load.copy_staging(clean, chunk.first_row + positions, raw_ids[positions])
        clock.lap("staging")
        load.drop_near_duplicates()
        clock.lap("dedupe")
        if profile.regions.derive != "none":
            if load.derive_regions(profile):
                load.refresh_region_pieces(profile)
            clock.lap("regions")
        accepted = load.insert_incidents(profile, by_code="region" in profile.columns)
        clock.lap("insert")
    rejected = len(rejected_positions)
    return ChunkCounts(
        received=size,
        accepted=accepted,
        duplicates=size - rejected - accepted,
        rejected=rejected,
    )


class _Prefetch:
    """Produce the next chunks in a background thread while this one is in the database.

    The reader (CSV parsing, raw JSON) and, for profiles whose rules need no database,
    validation run in the thread; psycopg releases the GIL while the server works, so they
    overlap with the COPY and INSERT of the previous chunk. The thread builds the next chunk
    only once the caller has taken the last one, so at most two chunks are alive and memory
    stays flat. An exception in the thread is raised in the caller."""

    _DONE = object()

    def __init__(self, produce: Iterator) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._taken = threading.Semaphore(0)
        self._stop = threading.Event()
        language = translation.get_language()
        self._thread = threading.Thread(
            target=self._run, args=(produce, language), name="ingest-reader", daemon=True
        )
        self._thread.start()

    def _run(self, produce: Iterator, language: str | None) -> None:
        translation.activate(language or settings.LANGUAGE_CODE)
        try:
            for item in produce:
                if not self._put((item, None)) or not self._wait_taken():
                    return
            self._put((self._DONE, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put((None, exc))
        finally:
            translation.deactivate()

    def _put(self, entry) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _wait_taken(self) -> bool:
        while not self._stop.is_set():
            if self._taken.acquire(timeout=0.2):
                return True
        return False

    def __iter__(self):
        try:
            while True:
                item, exc = self._queue.get()
                self._taken.release()
                if exc is not None:
                    raise exc
                if item is self._DONE:
                    return
                yield item
        finally:
            self._stop.set()
            self._thread.join(timeout=5)


class _Clock:
    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        STAGE_SECONDS[stage] += now - self.last
        self.last = now


def _finish(batch: IngestBatch, totals: ChunkCounts, status: str, error: str) -> None:
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
        _finish(batch, ChunkCounts(), BatchStatus.FAILED, message)
    return batch


def _announce(batch: IngestBatch) -> None:
    if batch.accepted:
        batch_accepted.send(sender=IngestBatch, batch_id=batch.pk, incident_ids=None)


__all__ = [
    "batch_create",
    "batch_ingest_file",
    "batch_ingest_records",
    "batch_run",
]
