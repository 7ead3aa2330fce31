"""The database half of the pipeline: COPY payloads, staging, and set-based SQL.

The reader thread turns each chunk into ready COPY text (``raw_payload``,
``rejected_payload``, ``staging_payload``): raw records with ids reserved up front so clean
rows can point at them, rejected rows with their errors, and the valid rows with their region
and time features already derived in Python. The batch's connection only streams those into
``incidents_raw``, ``incidents_rejectedrow`` and a temporary staging table and runs one
``INSERT … SELECT`` per few chunks (``Staging``): it builds the point, joins the category,
and takes the region (the source's region code, else the one found in Python, else the
nearest).

Duplicates are kept out before the insert: rows whose (source, external id) an earlier batch
loaded never reach staging (``existing_external_ids``, run by the reader), and repeats within
a chunk or of the few chunks before it are dropped in pandas. So the insert is optimistic: a
plain ``INSERT``, which costs the database ~15 % less than ``ON CONFLICT DO NOTHING`` (a
speculative insertion per row; 1M rows: ~2 s). Should a key still collide (a repeat far apart
in the file, or another batch loading the same ids at the same time), ``IdConflict`` is
raised, the batch's transaction rolls back, and the batch runs again with ``tolerant``
inserts.
"""

# ruff: noqa: S608 - SQL is built only from module constants and profile-validated integers;
# every value travels as a query parameter.
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection

from incidents.models import INCIDENT_UNIQUE_KEY
from incidents.pipeline.readers import RawRecords
from incidents.pipeline.timing import Clock
from incidents.profiles import Profile
from incidents.validation import NEAR_DUPLICATE_METRES, NEAR_DUPLICATE_SECONDS

STAGING = "_kh_ingest_staging"
# Timestamps travel as microseconds since the epoch (exact, and cheap to format in pandas).
TS = "('epoch'::timestamptz + ({}) * interval '1 microsecond')"
STAGING_COLUMNS = (
    "row_number",
    "raw_id",
    "external_id",
    "has_id",
    "category",
    "occurred_us",
    "reported_us",
    "lon",
    "lat",
    "area",
    "block",
    "severity",
    "channel",
    "description",
    "region_code",
    "region_id",
    "local_hour",
    "weekday",
    "is_weekend",
    "is_night",
    "is_holiday",
)
RAW_COLUMNS = ("id", "batch_id", "row_number", "record")
REJECTED_COLUMNS = ("batch_id", "row_number", "record", "errors")
# Staged rows are inserted in groups of at least this many (``Staging``).
INSERT_ROWS = 40_000
# A batch that accepted at least this many rows is followed by a VACUUM (refresh_after_load).
BULK_LOAD_ROWS = 50_000
# A chunk's ids are first probed with this many, evenly spaced: a chunk of a new file costs
# one small query, and only a chunk where some are found is probed whole.
PROBE_SAMPLE = 64
Payload = list[bytes]  # COPY text in blocks
# Payloads are built and sent in blocks of this many lines, so no buffer grows with the
# chunk: buffers of several MB per chunk fragment the heap or, mapped fresh for each chunk,
# are faulted in page by page (1M rows, against one block per chunk: ~1.5 s and ~30 MB of
# peak RSS less).
BLOCK_LINES = 2000


class IdConflict(Exception):
    """An optimistic insert met a (source, external id) that is already loaded."""


def create_staging() -> None:
    """A temporary, unindexed, unlogged-by-nature table living for the transaction, and the
    planner settings for the batch's inserts (``insert_incidents``)."""
    with connection.cursor() as cursor:
        # The whole batch is one transaction, so the table statistics never see the rows it
        # has added: the planner would think incidents_clean is as small as when the batch
        # began and scan it whole for each staged row. Index probes are right at any size.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
        cursor.execute(
            f"""
            CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
                row_number integer, raw_id bigint, external_id text, has_id boolean,
                category text, occurred_us bigint, reported_us bigint,
                lon float8, lat float8, area text, block text, severity smallint,
                channel text, description text, region_code text, region_id bigint,
                local_hour smallint, weekday smallint, is_weekend boolean, is_night boolean,
                is_holiday boolean
            ) ON COMMIT DROP
            """
        )
        cursor.execute(f"TRUNCATE {STAGING}")


def raw_id_sequence() -> int:
    """The OID of the raw records' id sequence, looked up once per batch: cast from text
    inside ``reserve_raw_ids`` it would be looked up again for every id (three times the cost)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('incidents_raw', 'id')::regclass::oid")
        return cursor.fetchone()[0]


def reserve_raw_ids(sequence: int, count: int) -> np.ndarray:
    """``count`` ids from the raw records' sequence (``raw_id_sequence``). They are almost
    always one contiguous range, which travels as two numbers; only when another session
    drew ids in between are they all fetched."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(v), max(v),
                   CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL ELSE array_agg(v) END
            FROM (SELECT nextval(%s::oid::regclass) AS v FROM generate_series(1, %s)) s
            """,
            [sequence, count],
        )
        low, high, scattered = cursor.fetchone()
    if scattered is not None:
        return np.array(scattered, dtype=np.int64)
    return np.arange(low, high + 1, dtype=np.int64)


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


class Staging:
    """The batch's staging table. Chunks are appended as they come and inserted in groups of
    at least ``INSERT_ROWS``: one ``INSERT … SELECT`` per few chunks costs the database less
    than one per chunk (1M rows: ~2 s less), and only the COPY text of a chunk is held here."""

    def __init__(self, profile: Profile, *, tolerant: bool = False) -> None:
        self.profile = profile
        self.tolerant = tolerant
        self.pending = 0
        self.without_id = False

    def add(self, payload: Payload, rows: int, rows_without_id: int) -> int:
        """Stage a chunk's valid rows; returns how many incidents were inserted (when the
        staged rows reached ``INSERT_ROWS``), else 0."""
        clock = Clock()
        copy_rows(STAGING, STAGING_COLUMNS, payload)
        clock.lap("staging")
        self.pending += rows
        self.without_id |= rows_without_id > 0
        return self.flush() if self.pending >= INSERT_ROWS else 0

    def flush(self) -> int:
        """Insert the staged rows as incidents and empty the table; returns how many were new."""
        if not self.pending:
            return 0
        clock = Clock()
        if self.without_id:
            drop_near_duplicates()
            clock.lap("dedupe")
        if self.profile.regions.derive != "none":
            derive_regions(self.profile)
            clock.lap("regions")
        inserted = insert_incidents(
            self.profile, by_code="region" in self.profile.columns, tolerant=self.tolerant
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {STAGING}")
        clock.lap("insert")
        self.pending, self.without_id = 0, False
        return inserted


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


def existing_external_ids(source: str, external_ids: list[str]) -> set[str]:
    """Which of ``external_ids`` the source already has, as far as this connection can see
    (the reader thread's own connection: batches committed before this one). The probe only
    saves work, the unique key still decides. A sample is probed first (``PROBE_SAMPLE``), so
    a chunk of a new file costs one small query. When some are found, the ids between the
    chunk's smallest and largest are read in one index range scan: exports are usually in id
    or time order, so that range holds about the chunk's own ids. Only when it holds many
    more (ids scattered across the key space) is every id looked up one by one."""
    step = len(external_ids) // PROBE_SAMPLE
    if step > 1 and not _loaded_ids(source, external_ids[::step]):
        return set()
    in_range = _loaded_ids(source, external_ids, limit=2 * len(external_ids))
    if in_range is None:
        return _loaded_ids(source, external_ids)
    return in_range.intersection(external_ids)


def _loaded_ids(source: str, external_ids: list[str], limit: int | None = None) -> set[str] | None:
    """With ``limit``: the loaded ids between the smallest and largest of ``external_ids``
    (the column's "C" collation orders as Python does), or None when there are more than
    ``limit``. Without: the loaded ids among ``external_ids``."""
    if not external_ids:
        return set()
    if limit is None:
        sql = """
            SELECT external_id FROM incidents_clean WHERE source = %s
            AND external_id = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))
        """
        # The ids travel as one JSON text: the driver would adapt a list element by element.
        params = [source, json.dumps(external_ids, ensure_ascii=False)]
    else:
        sql = """
            SELECT external_id FROM incidents_clean
            WHERE source = %s AND external_id BETWEEN %s AND %s LIMIT %s
        """
        params = [source, min(external_ids), max(external_ids), limit + 1]
    # The driver's own cursor: with DEBUG on, Django would keep the SQL with every id
    # interpolated in its query log, and memory would grow with the file.
    with connection.cursor() as cursor:
        cursor.cursor.execute(sql, params)
        rows = cursor.cursor.fetchall()
    if limit is not None and len(rows) > limit:
        return None
    return {row[0] for row in rows}


def drop_near_duplicates() -> int:
    """Sources without ids: drop staged rows of the same category within
    NEAR_DUPLICATE_SECONDS and NEAR_DUPLICATE_METRES of an existing incident or of an earlier
    row of the same file."""
    window_us = NEAR_DUPLICATE_SECONDS * 1_000_000
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            DELETE FROM {STAGING} s USING (
                SELECT s.row_number FROM {STAGING} s
                JOIN incidents_category c ON c.code = s.category
                WHERE NOT s.has_id AND (
                    EXISTS (
                        SELECT 1 FROM incidents_clean i
                        WHERE i.category_id = c.id
                          AND i.occurred_at BETWEEN {TS.format("s.occurred_us")} - {window_us} * interval '1 microsecond'
                                                AND {TS.format("s.occurred_us")} + {window_us} * interval '1 microsecond'
                          AND ST_DWithin(i.geom::geography,
                                         ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography, {NEAR_DUPLICATE_METRES})
                    ) OR EXISTS (
                        SELECT 1 FROM {STAGING} t
                        WHERE NOT t.has_id AND t.category = s.category
                          AND t.row_number < s.row_number
                          AND abs(t.occurred_us - s.occurred_us) <= {window_us}
                          AND ST_DWithin(ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geography,
                                         ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography, {NEAR_DUPLICATE_METRES})
                    )
                )
            ) d WHERE s.row_number = d.row_number
            """
        )
        return cursor.rowcount


def derive_regions(profile: Profile) -> None:
    """Profiles with ``regions.derive: convex_hull``: create a region for every new region code
    in the staging table, and grow the derived ones by the new points."""
    rule = profile.regions
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT region_code, count(*) FROM {STAGING} WHERE region_code <> ''
            GROUP BY region_code
            """
        )
        codes = [row[0] for row in cursor.fetchall()]
        if not codes:
            return
        names = [_region_name(code, rule) for code in codes]
        cursor.execute(
            f"""
            INSERT INTO incidents_region (profile, code, name_en, name_ar, geom, derived, updated_at)
            SELECT %s, h.code, n.name, '', {hull("h.points")}, true, now()
            FROM (
                SELECT region_code AS code, ST_Collect(ST_SetSRID(ST_MakePoint(lon, lat), 4326)) AS points
                FROM {STAGING} WHERE region_code <> '' GROUP BY region_code
            ) h JOIN unnest(%s::text[], %s::text[]) AS n(code, name) ON n.code = h.code
            ON CONFLICT (profile, code) DO UPDATE
                SET geom = {hull("ST_Collect(incidents_region.geom, EXCLUDED.geom)")},
                    updated_at = now()
                WHERE incidents_region.derived
                  AND NOT ST_Covers(incidents_region.geom, EXCLUDED.geom)
            """,
            [rule.profile, codes, names],
        )


def hull(points: str) -> str:
    """SQL: the convex hull of ``points`` as a MultiPolygon (a point or a line — a district
    seen in one or two places — is buffered by about 50 m so it is still an area)."""
    return (
        f"ST_Multi((SELECT CASE WHEN GeometryType(h) = 'POLYGON' THEN h "
        f"ELSE ST_Buffer(h, 0.0005, 2) END FROM (SELECT ST_ConvexHull({points}) AS h) x))"
    )


def _region_name(code: str, rule) -> str:
    """The name of a region derived from the data: plain text. The code was validated
    (``validation.REGION_CODE``); markup characters are dropped all the same."""
    prefix, _, suffix = rule.code_format.partition("{}")
    value = code[len(prefix) : len(code) - len(suffix) if suffix else None]
    return _MARKUP.sub("", rule.name_format.format(value))[:200]


_MARKUP = re.compile(r"[<>&\"'`]")


def insert_incidents(profile: Profile, *, by_code: bool, tolerant: bool = False) -> int:
    """Insert the staged rows as incidents; returns how many were new. Not ``tolerant``: a
    staged key that is already loaded raises ``IdConflict`` (and the transaction is lost)."""
    region_by_code = (
        "(SELECT r.id FROM incidents_region r WHERE r.profile = %(rp)s AND r.code = s.region_code),"
        if by_code
        else ""
    )
    params = {"source": profile.source, "rp": profile.regions.profile}
    on_conflict = "ON CONFLICT (source, external_id) DO NOTHING" if tolerant else ""
    with connection.cursor() as cursor:
        try:
            cursor.execute(_insert_sql(region_by_code, on_conflict), params)
        except IntegrityError as exc:
            diag = getattr(exc.__cause__, "diag", None)
            if getattr(diag, "constraint_name", None) == INCIDENT_UNIQUE_KEY:
                raise IdConflict(str(exc)) from exc
            raise
        return cursor.rowcount


def _insert_sql(region_by_code: str, on_conflict: str) -> str:
    return f"""
            INSERT INTO incidents_clean (
                source, external_id, category_id, occurred_at, reported_at, geom, region_id,
                area, block, severity, status, channel, description, raw_id,
                local_hour, weekday, is_weekend, is_night, is_holiday, created_at, updated_at
            )
            SELECT %(source)s, s.external_id, c.id, {TS.format("s.occurred_us")},
                {TS.format("s.reported_us")}, s.geom,
                COALESCE(
                    {region_by_code}
                    s.region_id,
                    -- only when the regions changed during the batch (derived boundaries)
                    (SELECT r.id FROM incidents_region r WHERE r.profile = %(rp)s
                      ORDER BY r.geom <-> s.geom, r.code LIMIT 1)
                ),
                COALESCE(s.area, ''), COALESCE(s.block, ''),
                COALESCE(s.severity, c.default_severity), 'reported', s.channel,
                COALESCE(s.description, ''), s.raw_id,
                s.local_hour, s.weekday, s.is_weekend, s.is_night, s.is_holiday, now(), now()
            FROM (
                SELECT st.*, ST_SetSRID(ST_MakePoint(st.lon, st.lat), 4326) AS geom
                FROM {STAGING} st
            ) s
            JOIN incidents_category c ON c.code = s.category
            {on_conflict}
            """


def refresh_after_load(accepted: int) -> None:
    """After a large batch commits, VACUUM (ANALYZE) the incidents. Freshly COPYed rows have no
    hint bits and are not in the visibility map, so the next batch's id probe (an index-only
    scan) would visit and rewrite every heap page (re-ingesting 1M rows: 21 s of probing
    instead of 2.5 s), and the planner would not know the new rows until autovacuum came by.
    Not run inside an outer transaction (VACUUM cannot), where autovacuum does it later."""
    if accepted < BULK_LOAD_ROWS or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) incidents_clean")
