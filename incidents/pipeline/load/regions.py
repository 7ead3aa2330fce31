"""Regions derived from the data (``regions.derive: convex_hull``): the convex hull of each
region code's staged points, grown as new points arrive."""

# ruff: noqa: S608 - SQL is built only from module constants and profile-validated integers;
# every value travels as a query parameter.
from __future__ import annotations

import re

from django.db import connection

from incidents.pipeline.load.tables import STAGING
from incidents.profiles import Profile


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
