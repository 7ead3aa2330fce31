"""COPY encoding: the reader thread turns each chunk into ready COPY text (raw records,
rejected rows, staged valid rows) built column by column with C-level string operations, so
the batch's connection only hands bytes to the driver. Hand-written on purpose: it earns its
keep in ``bench/ingest.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection

from incidents.pipeline.readers import RawRecords

Payload = list[bytes]  # COPY text in blocks
# Payloads are built and sent in blocks of this many lines, so no buffer grows with the
# chunk: buffers of several MB per chunk fragment the heap or, mapped fresh for each chunk,
# are faulted in page by page (1M rows, against one block per chunk: ~1.5 s and ~30 MB of
# peak RSS less).
BLOCK_LINES = 2000


def raw_payload(
    batch_id: int, raw_ids: np.ndarray | None, first_row: int, records: RawRecords
) -> Payload:
    """COPY text for ``incidents_raw``: columns ``RAW_COLUMNS``, or without ``id`` (the
    table's own sequence numbers them) when ``raw_ids`` is None."""
    size = len(records)
    numbers = range(first_row, first_row + size)
    if raw_ids is None:
        heads = list(map((b"%d\t%%d\t" % batch_id).__mod__, numbers))
    else:
        head = b"%%d\t%d\t%%d\t" % batch_id
        heads = list(map(head.__mod__, zip(raw_ids.tolist(), numbers, strict=True)))
    replaced = {pos: record.encode() for pos, record in records.replaced.items()}
    # JSON escapes its backslashes once; COPY's text format needs them escaped again.
    return joined_blocks([heads, *records.parts, b"\n"], size, replaced, escape=True)


def joined_blocks(
    parts: list, size: int, replaced: dict[int, bytes] | None = None, *, escape: bool = False
) -> Payload:
    """The text of ``size`` lines as UTF-8 blocks of ``BLOCK_LINES`` lines. ``parts``: the
    pieces of a line in order, each a text (or bytes) repeated on every line or a list with
    one per line; they are laid out by slice assignment, with no string operation per line.
    ``replaced``: lines whose middle (all but the first and last part) is one given piece.
    ``escape``: double the backslashes."""
    stride = len(parts)
    blocks: Payload = []
    for start in range(0, size, BLOCK_LINES):
        count = min(BLOCK_LINES, size - start)
        pieces = [parts[-1]] * (count * stride)
        for offset, part in enumerate(parts):
            if isinstance(part, str | bytes):
                pieces[offset::stride] = [part] * count
            else:
                pieces[offset::stride] = part[start : start + count]
        for pos, middle in (replaced or {}).items():
            if start <= pos < start + count:
                line = (pos - start) * stride
                pieces[line + 1 : line + stride - 1] = [middle] + [b""] * (stride - 3)
        block = pieces[0][:0].join(pieces)
        if isinstance(block, str):
            block = block.encode()
        if escape and b"\\" in block:
            block = block.replace(b"\\", b"\\\\")
        blocks.append(block)
    return blocks


def rejected_payload(batch_id: int, rows: list[tuple[int, str, str]]) -> Payload:
    """COPY text for ``incidents_rejectedrow`` (``REJECTED_COLUMNS``); ``rows``: (row_number,
    record JSON, errors JSON). JSON text holds no raw tabs or newlines, so escaping its
    backslashes once over the whole text is enough."""
    if not rows:
        return []
    text = "".join(map(f"{batch_id}\t%d\t%s\t%s\n".__mod__, rows))
    return [text.replace("\\", "\\\\").encode()]


def staging_payload(
    clean: pd.DataFrame, row_numbers: np.ndarray, raw_ids: np.ndarray, features: pd.DataFrame
) -> Payload:
    """COPY text for the staging table (``STAGING_COLUMNS``), built column by column with
    C-level string operations: no per-cell pandas call. ``features``: ``region_id`` and the
    time features of each row."""
    columns = [
        _int_cells(row_numbers),
        _int_cells(raw_ids),
        _text_cells(clean["external_id"]),
        _bool_cells(clean["has_id"]),
        _text_cells(clean["category"]),
        _int_cells(_micros(clean["occurred_at"])),
        _int_cells(_micros(clean["reported_at"])),
        _float_cells(clean["lon"]),
        _float_cells(clean["lat"]),
        _text_cells(clean["area"]),
        _text_cells(clean["block"]),
        # Nullable integers go through their mask: ``to_numpy()`` would turn a column with
        # blanks into floats, and COPY rejects "2.0" for a smallint.
        _int_cells(clean["severity"].astype("Int16").array),
        _text_cells(clean["channel"]),
        _text_cells(clean["description"]),
        _text_cells(clean["region_code"]),
        _int_cells(features["region_id"].astype("Int64").array),
        _int_cells(features["local_hour"]),
        _int_cells(features["weekday"]),
        _bool_cells(features["is_weekend"]),
        _bool_cells(features["is_night"]),
        _bool_cells(features["is_holiday"]),
    ]
    if not len(clean):
        return []
    parts = [part for column in columns for part in (column, "\t")]
    parts[-1] = "\n"
    return joined_blocks(parts, len(clean))


NULL = "\\N"
_TEXT_SPECIALS = ("\\", "\t", "\n", "\r")


def _text_cells(values: pd.Series) -> list[str]:
    """Cells escaped for COPY's text format; missing values become empty strings."""
    cells = values.tolist()
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        cells = ["" if _missing(v) else str(v) for v in cells]
    joined = "".join(cells)
    if any(c in joined for c in _TEXT_SPECIALS):
        cells = [_copy_text_cell(c) for c in cells]
    return cells


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _copy_text_cell(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


# Text of the small non-negative integers (hours, weekdays, severities, region ids), looked
# up by numpy instead of formatted one by one.
_SMALL_INTS = np.array([str(i) for i in range(4096)], dtype=object)
_BOOLS = np.array(["f", "t"], dtype=object)


def _int_cells(values) -> list[str]:
    """Integers as text, NA as NULL (numpy arrays or pandas nullable integer arrays)."""
    missing = None
    if isinstance(values, pd.api.extensions.ExtensionArray):
        missing = np.asarray(values.isna(), dtype=bool)
        data = values.to_numpy(dtype="int64", na_value=0)
    else:
        data = np.asarray(values, dtype=np.int64)
    if len(data) and data.min() >= 0 and data.max() < len(_SMALL_INTS):
        cells = _SMALL_INTS[data].tolist()
    else:
        cells = list(map(str, data.tolist()))
    if missing is not None:
        for pos in np.flatnonzero(missing).tolist():
            cells[pos] = NULL
    return cells


def _micros(values: pd.Series):
    """Microseconds since the epoch, NA for missing times."""
    micros = values.dt.tz_convert(None).to_numpy(dtype="datetime64[us]").astype("int64")
    missing = values.isna().to_numpy()
    if not missing.any():
        return micros
    return pd.arrays.IntegerArray(micros, missing)


def _float_cells(values: pd.Series) -> list[str]:
    """Floats as their shortest exact text (validated rows hold only finite numbers)."""
    return list(map(repr, values.to_numpy(dtype=float).tolist()))


def _bool_cells(values) -> list[str]:
    return _BOOLS[np.asarray(values, dtype=bool).astype(np.intp)].tolist()


def copy_rows(table: str, columns: tuple[str, ...], payload: Payload) -> None:
    """COPY a payload built by one of the ``*_payload`` functions into ``table``. Payloads are
    encoded by the reader thread, so the loader only hands bytes to the driver."""
    if not payload:
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for block in payload:
            copy.write(block)
