"""The reader thread's half of a batch: a chunk of source records becomes ready COPY text.

It runs beside the batch's transaction (``Prefetch``), so parsing, validating and building
the payloads of the next chunk overlap with the database loading the previous one. Its
database work (probing for ids loaded by earlier batches, reserving raw ids from their
sequence) goes through the thread's own connection.

Rows whose (source, external id) an earlier batch already loaded are duplicates and are not
validated again: re-ingesting a file costs reading it and keeping its raw records, little
more. Every other row is validated, and the valid ones get their region (point in polygon,
else the nearest region) and time features here, in vectorised Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from incidents.geo import NO_REGION, RegionShapes, time_features_frame
from incidents.pipeline import load
from incidents.pipeline.readers import Chunk
from incidents.pipeline.timing import Clock
from incidents.profiles import Profile
from incidents.validation import RowError, nul_cells, stripped_column, validate_frame

# The ids staged from this many chunks before are remembered, so a record re-sent a little
# later in the same file is a duplicate here, not a key conflict in the insert (``load``).
RECENT_CHUNKS = 4


@dataclass(frozen=True)
class BatchContext:
    """What every chunk of a batch is prepared with, read once when the batch starts."""

    batch_id: int
    profile: Profile
    known_categories: frozenset[str]
    now: dt.datetime
    shapes: RegionShapes
    raw_sequence: int  # load.raw_id_sequence()


@dataclass
class PreparedChunk:
    """A chunk as COPY payloads: every received record (``raw``), the rejected ones with their
    errors, and the valid rows to stage (``staging``: ``staged`` rows, ``staged_without_id``
    of them with an id derived because the source gave none)."""

    received: int
    rejected: int
    staged: int
    staged_without_id: int
    raw: load.Payload
    raw_columns: tuple[str, ...]
    rejected_rows: load.Payload
    staging: load.Payload


def chunks_prepare(chunks: Iterable[Chunk], context: BatchContext) -> Iterator[PreparedChunk]:
    chunks = iter(chunks)
    recent = RecentIds()
    while True:
        clock = Clock()
        chunk = next(chunks, None)
        clock.lap("read")
        if chunk is None:
            return
        yield chunk_prepare(chunk, context, recent)


def chunk_prepare(chunk: Chunk, context: BatchContext, recent: RecentIds) -> PreparedChunk:
    profile = context.profile
    size = len(chunk.raw)
    clock = Clock()
    known = _loaded_rows(chunk, profile)
    clock.lap("probe")
    positions = np.flatnonzero(~known)
    errors, clean = _validate(chunk, positions, context)
    clean = recent.drop_seen(clean)
    clock.lap("validate")
    rejected = sorted(errors)
    raw_ids = None
    staging: load.Payload = []
    if len(clean):
        # Clean rows point at their raw record, so the raw ids are drawn here; a chunk with
        # nothing to stage (a file loaded before) leaves the numbering to the table.
        raw_ids = load.reserve_raw_ids(context.raw_sequence, size)
        staging = _staging(clean, chunk.first_row, raw_ids, context)
    prepared = PreparedChunk(
        received=size,
        rejected=len(rejected),
        staged=len(clean),
        staged_without_id=int((~clean["has_id"]).sum()),
        raw=load.raw_payload(context.batch_id, raw_ids, chunk.first_row, chunk.raw),
        raw_columns=load.RAW_COLUMNS if raw_ids is not None else load.RAW_COLUMNS[1:],
        rejected_rows=load.rejected_payload(
            context.batch_id,
            [
                (chunk.first_row + pos, chunk.raw.record(pos), _errors_json(errors[pos]))
                for pos in rejected
            ],
        ),
        staging=staging,
    )
    clock.lap("prepare")
    return prepared


def _staging(
    clean: pd.DataFrame, first_row: int, raw_ids: np.ndarray, context: BatchContext
) -> load.Payload:
    """The valid rows' COPY text, with their region and time features."""
    rows = clean.index.to_numpy()
    features = time_features_frame(clean["occurred_at"], context.profile)
    region_ids = context.shapes.locate(clean["lon"].to_numpy(), clean["lat"].to_numpy())
    features["region_id"] = pd.array(
        np.where(region_ids == NO_REGION, None, region_ids), dtype="Int64"
    )
    return load.staging_payload(clean, first_row + rows, raw_ids[rows], features)


def _loaded_rows(chunk: Chunk, profile: Profile) -> np.ndarray:
    """A mask of the rows whose id an earlier batch loaded (well-formed rows only)."""
    ids = stripped_column(chunk.frame, profile.columns.get("external_id"))
    candidates = (ids != "").to_numpy() & ~nul_cells(ids)  # NUL: rejected by validation
    candidates[list(chunk.errors)] = False
    if not candidates.any():
        return candidates
    loaded = load.existing_external_ids(profile.source, ids[candidates].unique().tolist())
    return candidates & ids.isin(loaded).to_numpy() if loaded else candidates & False


def _validate(
    chunk: Chunk, positions: np.ndarray, context: BatchContext
) -> tuple[dict[int, list[RowError]], pd.DataFrame]:
    """Errors by position, and the valid rows indexed by position with repeats of an id
    within the chunk dropped (the first occurrence wins)."""
    result = validate_frame(
        chunk.frame.iloc[positions],
        context.profile,
        now=context.now,
        known_categories=context.known_categories,
        shapes=context.shapes,
    )
    errors = {int(positions[pos]): row_errors for pos, row_errors in result.errors.items()}
    for pos, reader_errors in chunk.errors.items():
        errors[pos] = reader_errors + errors.get(pos, [])
    clean = result.clean.set_axis(positions[result.clean.index.to_numpy()])
    clean = clean[~clean.index.isin(list(chunk.errors))]
    return errors, clean[~clean["external_id"].duplicated(keep="first").to_numpy()]


class RecentIds:
    """The ids staged from the last ``RECENT_CHUNKS`` chunks. A staged id is never in the
    window already, so each id belongs to one chunk and leaves with it."""

    def __init__(self) -> None:
        self.chunks: deque[list[str]] = deque()
        self.ids: set[str] = set()

    def drop_seen(self, clean: pd.DataFrame) -> pd.DataFrame:
        """``clean`` without the rows whose id is in the window; then remembers the rest."""
        ids = clean["external_id"].tolist()
        if self.ids:
            seen = self.ids.__contains__
            fresh = [not seen(i) for i in ids]
            if not all(fresh):
                clean = clean[fresh]
                ids = clean["external_id"].tolist()
        if len(self.chunks) == RECENT_CHUNKS:
            self.ids.difference_update(self.chunks.popleft())
        self.chunks.append(ids)
        self.ids.update(ids)
        return clean


def _errors_json(errors: list[RowError]) -> str:
    return json.dumps([e.as_dict() for e in errors], ensure_ascii=False)
