"""Keeping duplicates out before the insert: the (source, external id) pairs an earlier batch
loaded (probed by the reader thread), and, for sources without ids, the staged rows near an
existing incident or an earlier row of the same file."""

# ruff: noqa: S608 - SQL is built only from module constants and profile-validated integers;
# every value travels as a query parameter.
from __future__ import annotations

import json

from django.db import connection

from incidents.pipeline.load.tables import STAGING, TS
from incidents.validation import NEAR_DUPLICATE_METRES, NEAR_DUPLICATE_SECONDS

# A chunk's ids are first probed with this many, evenly spaced: a chunk of a new file costs
# one small query, and only a chunk where some are found is probed whole.
PROBE_SAMPLE = 64


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
