"""Geography and time helpers shared by the batch pipeline and single-incident writes.

The batch pipeline derives regions and time features in SQL (see ``incidents.pipeline.load``);
``region_for_point`` and ``time_features`` are the same rules for one record, and the tests
check both give the same answers.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import connection

from incidents.models import Region
from incidents.profiles import Profile


def reproject(lons: np.ndarray, lats: np.ndarray, srid: int) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinates from ``srid`` to WGS84 lon/lat in one SQL round trip (PostGIS
    knows every EPSG code, so no projection library is needed in Python)."""
    if srid == 4326 or len(lons) == 0:
        return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(p), ST_Y(p) FROM (
                SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), %s), 4326) AS p, n
                FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, n)
            ) s ORDER BY n
            """,
            [srid, list(map(float, lons)), list(map(float, lats))],
        )
        rows = cursor.fetchall()
    out = np.array(rows, dtype=float).reshape(-1, 2)
    return out[:, 0], out[:, 1]


def points_in_regions(lons: np.ndarray, lats: np.ndarray, region_profile: str) -> np.ndarray:
    """A boolean mask: which points fall inside the union of the profile's regions."""
    if len(lons) == 0:
        return np.zeros(0, dtype=bool)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, n)
            WHERE EXISTS (
                SELECT 1 FROM incidents_region r
                WHERE r.profile = %s AND ST_Intersects(r.geom, ST_SetSRID(ST_MakePoint(x, y), 4326))
            )
            """,
            [list(map(float, lons)), list(map(float, lats)), region_profile],
        )
        inside = [row[0] - 1 for row in cursor.fetchall()]
    mask = np.zeros(len(lons), dtype=bool)
    mask[inside] = True
    return mask


def in_service_area(lons: np.ndarray, lats: np.ndarray, profile: Profile) -> np.ndarray:
    """The profile's service area: its bounding box, or the union of its regions, or both."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    mask = np.ones(len(lons), dtype=bool)
    if profile.service_area_bbox is not None:
        min_lon, min_lat, max_lon, max_lat = profile.service_area_bbox
        mask &= (lons >= min_lon) & (lons <= max_lon) & (lats >= min_lat) & (lats <= max_lat)
    if profile.service_area_regions:
        candidates = np.flatnonzero(mask)
        inside = points_in_regions(lons[candidates], lats[candidates], profile.regions.profile)
        mask[candidates[~inside]] = False
    return mask


def region_for_point(lon: float, lat: float, profile: Profile) -> Region | None:
    """The region containing the point; when the point is inside the service area but outside
    every polygon (sea, a gap between boundaries), the nearest region. None outside the area
    or when the profile has no regions."""
    point = Point(float(lon), float(lat), srid=4326)
    regions = Region.objects.filter(profile=profile.regions.profile)
    containing = regions.filter(geom__intersects=point).order_by("code").first()
    if containing is not None:
        return containing
    if not in_service_area(np.array([lon]), np.array([lat]), profile)[0]:
        return None
    return regions.annotate(distance=Distance("geom", point)).order_by("distance", "code").first()


@lru_cache(maxsize=64)
def _holidays(profile: Profile, year: int) -> frozenset[dt.date]:
    return frozenset(profile.holiday_dates([year]))


def holiday_dates(profile: Profile, years) -> list[dt.date]:
    """Sorted public-holiday dates of the profile's country for ``years`` (cached per year)."""
    return sorted(d for year in years for d in _holidays(profile, int(year)))


def time_features(occurred_at: dt.datetime, profile: Profile) -> dict:
    """Derived features in the profile's local time: ``local_hour``, ``weekday`` (0 = Monday),
    ``is_weekend`` (the profile's weekend days), ``is_night`` (the profile's night hours) and
    ``is_holiday`` (public holidays of the profile's country)."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    local = occurred_at.astimezone(profile.tz)
    return {
        "local_hour": local.hour,
        "weekday": local.weekday(),
        "is_weekend": local.isoweekday() in profile.weekend,
        "is_night": is_night_hour(local.hour, profile),
        "is_holiday": local.date() in _holidays(profile, local.year),
    }


def is_night_hour(hour: int, profile: Profile) -> bool:
    start, end = profile.night_start, profile.night_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end
