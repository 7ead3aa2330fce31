"""The database half of the pipeline: COPY into staging, then set-based SQL.

Per chunk: raw records are COPied straight into ``incidents_raw`` (ids reserved up front so
clean rows can point at them), rejected rows into ``incidents_rejectedrow``, valid rows into a
temporary staging table. One ``INSERT … SELECT`` then builds the point, joins the category,
derives the region (region column, else point-in-polygon, else the nearest region) and the
time features in the profile's local time, and skips duplicates: rows whose (source,
external id) is already loaded never reach staging (``existing_external_ids``, so a
re-ingest costs index probes only), repeats within a chunk are dropped in pandas, and
``ON CONFLICT DO NOTHING`` covers a concurrent batch loading the same ids.
"""

# ruff: noqa: S608 - SQL is built only from module constants and profile-validated integers;
# every value travels as a query parameter.
from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection

from incidents.geo import holiday_dates
from incidents.profiles import Profile
from incidents.validation import NEAR_DUPLICATE_METRES, NEAR_DUPLICATE_SECONDS

STAGING = "_kh_ingest_staging"
# The profile's regions cut into small pieces (ST_Subdivide) with a GiST index: a point is
# tested against the one or two pieces whose box holds it instead of against every whole
# (multi)polygon of the profile, which is what made the region the costliest part of a row.
REGION_PIECES = "_kh_ingest_region_pieces"
PIECE_VERTICES = 64
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
)


def create_staging() -> None:
    """A temporary, unindexed, unlogged-by-nature table living for the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
                row_number integer, raw_id bigint, external_id text, has_id boolean,
                category text, occurred_us bigint, reported_us bigint,
                lon float8, lat float8, area text, block text, severity smallint,
                channel text, description text, region_code text
            ) ON COMMIT DROP
            """
        )
        cursor.execute(f"TRUNCATE {STAGING}")


def refresh_region_pieces(profile: Profile) -> None:
    """(Re)build the temporary table of region pieces for ``profile`` (at the start of a
    batch, and again after ``derive_regions`` changed a boundary)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE IF NOT EXISTS {REGION_PIECES} (
                region_id bigint, code text, geom geometry(Geometry, 4326)
            ) ON COMMIT DROP
            """
        )
        cursor.execute(f"TRUNCATE {REGION_PIECES}")
        cursor.execute(
            f"""
            INSERT INTO {REGION_PIECES} (region_id, code, geom)
            SELECT r.id, r.code, ST_Subdivide(r.geom, {PIECE_VERTICES})
            FROM incidents_region r WHERE r.profile = %s
            """,
            [profile.regions.profile],
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {REGION_PIECES}_geom ON {REGION_PIECES} USING gist (geom)"
        )
        cursor.execute(f"ANALYZE {REGION_PIECES}")


def reserve_raw_ids(count: int) -> np.ndarray:
    """``count`` ids from the raw records' sequence. They are almost always one contiguous
    range, which travels as two numbers; only when another session drew ids in between are
    they all fetched."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT min(v), max(v),
                   CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL ELSE array_agg(v) END
            FROM (
                -- the sequence is looked up once (an init plan), not once per id
                SELECT nextval((SELECT pg_get_serial_sequence('incidents_raw', 'id'))::regclass) AS v
                FROM generate_series(1, %s)
            ) s
            """,
            [count],
        )
        low, high, scattered = cursor.fetchone()
    if scattered is not None:
        return np.array(scattered, dtype=np.int64)
    return np.arange(low, high + 1, dtype=np.int64)


def _copy_text(value: str) -> str:
    """Escape for COPY's text format (JSON text has no raw tabs or newlines)."""
    return value.replace("\\", "\\\\")


def copy_raw(batch_id: int, raw_ids: np.ndarray, first_row: int, records: list[str]) -> None:
    lines = "\n".join(
        f"{rid}\t{batch_id}\t{first_row + pos}\t{_copy_text(text)}"
        for pos, (rid, text) in enumerate(zip(raw_ids.tolist(), records, strict=True))
    )
    _copy("incidents_raw", ("id", "batch_id", "row_number", "record"), lines)


def copy_rejected(batch_id: int, rows: list[tuple[int, str, str]]) -> None:
    """``rows``: (row_number, record JSON, errors JSON)."""
    if not rows:
        return
    lines = "\n".join(
        f"{batch_id}\t{number}\t{_copy_text(record)}\t{_copy_text(errors)}"
        for number, record, errors in rows
    )
    _copy("incidents_rejectedrow", ("batch_id", "row_number", "record", "errors"), lines)


def copy_staging(clean: pd.DataFrame, row_numbers: np.ndarray, raw_ids: np.ndarray) -> None:
    """COPY the valid rows of a chunk into the staging table (text format, built column by
    column with C-level string operations: no per-cell pandas call)."""
    columns = [
        _int_cells(row_numbers),
        _int_cells(raw_ids),
        _text_cells(clean["external_id"]),
        ["t" if v else "f" for v in clean["has_id"].to_numpy(dtype=bool).tolist()],
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
    ]
    payload = "\n".join(map("\t".join, zip(*columns, strict=True)))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {STAGING}")
        if payload:
            with cursor.cursor.copy(
                f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN"
            ) as copy:
                copy.write(payload)
                copy.write("\n")


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


def _int_cells(values) -> list[str]:
    """Integers as text, NA as NULL (numpy arrays or pandas nullable integer arrays)."""
    if isinstance(values, pd.api.extensions.ExtensionArray):
        data = values.to_numpy(dtype="int64", na_value=0).tolist()
        missing = values.isna().tolist()
        return [NULL if m else str(v) for v, m in zip(data, missing, strict=True)]
    return list(map(str, np.asarray(values, dtype=np.int64).tolist()))


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


def _copy(table: str, columns: tuple[str, ...], lines: str) -> None:
    if not lines:
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(lines)
        copy.write("\n")


def existing_external_ids(source: str, external_ids: list[str]) -> set[str]:
    """Which of ``external_ids`` the source already has (index probes only). Rows already
    loaded are dropped before staging, so re-ingesting a file skips the expensive path."""
    if not external_ids:
        return set()
    with connection.cursor() as cursor:
        # The batch's own rows are invisible to the statistics; keep it an index scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # The driver's own cursor: with DEBUG on, Django would keep the SQL with every id
        # interpolated in its query log, and memory would grow with the file.
        raw = cursor.cursor
        raw.execute(
            "SELECT external_id FROM incidents_clean WHERE source = %s AND external_id = ANY(%s)",
            [source, external_ids],
        )
        found = {row[0] for row in raw.fetchall()}
        cursor.execute("RESET enable_seqscan")
    return found


def drop_near_duplicates() -> int:
    """Sources without ids: drop staged rows of the same category within
    NEAR_DUPLICATE_SECONDS and NEAR_DUPLICATE_METRES of an existing incident or of an earlier
    row of the same file."""
    window_us = NEAR_DUPLICATE_SECONDS * 1_000_000
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {STAGING} WHERE NOT has_id")
        if not cursor.fetchone()[0]:
            return 0
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


def derive_regions(profile: Profile) -> bool:
    """Profiles with ``regions.derive: convex_hull``: create a region for every new region code
    in the staging table, and grow the derived ones by the new points. True when a boundary
    was created or changed (the region pieces must then be rebuilt)."""
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
            return False
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
        return cursor.rowcount > 0


def hull(points: str) -> str:
    """SQL: the convex hull of ``points`` as a MultiPolygon (a point or a line — a district
    seen in one or two places — is buffered by about 50 m so it is still an area)."""
    return (
        f"ST_Multi((SELECT CASE WHEN GeometryType(h) = 'POLYGON' THEN h "
        f"ELSE ST_Buffer(h, 0.0005, 2) END FROM (SELECT ST_ConvexHull({points}) AS h) x))"
    )


def _region_name(code: str, rule) -> str:
    prefix, _, suffix = rule.code_format.partition("{}")
    value = code[len(prefix) : len(code) - len(suffix) if suffix else None]
    return rule.name_format.format(value)[:200]


def insert_incidents(profile: Profile, *, by_code: bool) -> int:
    """Insert the staged rows as incidents; returns how many were new."""
    years = range(1970, 2101)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(occurred_us), max(occurred_us) FROM {STAGING}")
        low, high = cursor.fetchone()
        if low is None:
            return 0
        years = range(pd.Timestamp(low, unit="us").year - 1, pd.Timestamp(high, unit="us").year + 2)
        region_by_code = (
            "(SELECT r.id FROM incidents_region r WHERE r.profile = %(rp)s AND r.code = s.region_code),"
            if by_code
            else ""
        )
        night = _night_sql(profile)
        # The whole batch is one transaction, so the table statistics never see the rows it
        # has added: the planner would think incidents_clean is as small as when the batch
        # began and scan it whole for each staged row. Index probes are right at any size.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
        cursor.execute(
            f"""
            INSERT INTO incidents_clean (
                source, external_id, category_id, occurred_at, reported_at, geom, region_id,
                area, block, severity, status, channel, description, raw_id,
                local_hour, weekday, is_weekend, is_night, is_holiday, created_at, updated_at
            )
            SELECT %(source)s, s.external_id, c.id, s.occurred_at, s.reported_at, s.geom,
                COALESCE(
                    {region_by_code}
                    (SELECT p.region_id FROM {REGION_PIECES} p
                      WHERE ST_Intersects(p.geom, s.geom)
                      ORDER BY p.code LIMIT 1),
                    (SELECT r.id FROM incidents_region r WHERE r.profile = %(rp)s
                      ORDER BY r.geom <-> s.geom, r.code LIMIT 1)
                ),
                COALESCE(s.area, ''), COALESCE(s.block, ''),
                COALESCE(s.severity, c.default_severity), 'reported', s.channel,
                COALESCE(s.description, ''), s.raw_id,
                s.hour, s.dow - 1, s.dow = ANY(%(weekend)s), {night},
                s.local_date = ANY(%(holidays)s::date[]), now(), now()
            FROM (
                SELECT t.*, extract(hour FROM t.local_time)::int AS hour,
                       extract(isodow FROM t.local_time)::int AS dow,
                       t.local_time::date AS local_date
                FROM (
                    SELECT st.*, {TS.format("st.occurred_us")} AS occurred_at,
                           {TS.format("st.reported_us")} AS reported_at,
                           {TS.format("st.occurred_us")} AT TIME ZONE %(tz)s AS local_time,
                           ST_SetSRID(ST_MakePoint(st.lon, st.lat), 4326) AS geom
                    FROM {STAGING} st
                ) t
            ) s
            JOIN incidents_category c ON c.code = s.category
            ON CONFLICT (source, external_id) DO NOTHING
            """,
            {
                "source": profile.source,
                "rp": profile.regions.profile,
                "tz": profile.timezone,
                "weekend": list(profile.weekend),
                "holidays": holiday_dates(profile, years),
            },
        )
        inserted = cursor.rowcount
        cursor.execute("RESET enable_seqscan; RESET jit")
        return inserted


def _night_sql(profile: Profile) -> str:
    start, end = int(profile.night_start), int(profile.night_end)
    if start == end:
        return "false"
    if start < end:
        return f"(s.hour >= {start} AND s.hour < {end})"
    return f"(s.hour >= {start} OR s.hour < {end})"
