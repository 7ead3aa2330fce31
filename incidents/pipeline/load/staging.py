"""The staged rows become incidents: one ``INSERT … SELECT`` per few chunks (``Staging``),
optimistic (a plain insert; ``IdConflict`` when a key still collides), then a VACUUM after
a bulk load."""

# ruff: noqa: S608 - SQL is built only from module constants and profile-validated integers;
# every value travels as a query parameter.
from __future__ import annotations

from django.db import IntegrityError, connection

from incidents.models import INCIDENT_UNIQUE_KEY
from incidents.pipeline.load.copy_text import Payload, copy_rows
from incidents.pipeline.load.dedup import drop_near_duplicates
from incidents.pipeline.load.regions import derive_regions
from incidents.pipeline.load.tables import STAGING, STAGING_COLUMNS, TS
from incidents.pipeline.timing import Clock
from incidents.profiles import Profile

# Staged rows are inserted in groups of at least this many (``Staging``).
INSERT_ROWS = 40_000
# A batch that accepted at least this many rows is followed by a VACUUM (refresh_after_load).
BULK_LOAD_ROWS = 50_000


class IdConflict(Exception):
    """An optimistic insert met a (source, external id) that is already loaded."""


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
