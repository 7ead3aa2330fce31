"""The tables the load writes: the column order of each COPY payload, the batch's temporary
staging table, and the raw records' ids reserved up front so clean rows can point at them."""

# every value travels as a query parameter.
from __future__ import annotations

import numpy as np
from django.db import connection

from incidents.models import TIME_FEATURES

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
    *TIME_FEATURES,
)
RAW_COLUMNS = ("id", "batch_id", "row_number", "record")
REJECTED_COLUMNS = ("batch_id", "row_number", "record", "errors")


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
