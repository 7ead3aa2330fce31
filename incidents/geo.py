"""Geography and time helpers shared by the batch pipeline and single-incident writes.

Both paths use the same functions: ``RegionShapes`` (point in region, else the nearest
region) and ``time_features_frame`` (local hour, weekday, weekend, night, holiday), so a
record gets the same region and features whether it came in a file or through the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from incidents.models import Region
from incidents.profiles import Profile


def reproject(lons: np.ndarray, lats: np.ndarray, srid: int) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinates from ``srid`` to WGS84 lon/lat with PROJ, in the calling thread
    (no database round trip, so the ETL's reader thread needs no connection for it)."""
    if srid == 4326 or len(lons) == 0:
        return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    return _to_wgs84(srid).transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))


@lru_cache(maxsize=16)
def _to_wgs84(srid: int) -> Transformer:
    return Transformer.from_crs(srid, 4326, always_xy=True)


NO_REGION = -1


@dataclass(frozen=True)
class RegionShapes:
    """A profile's region boundaries in memory (GEOS, prepared), read once per batch.

    Point-in-polygon on a prepared boundary takes well under a microsecond per point in
    Python; the same test in the batch's INSERT was its most expensive part. Regions are
    tried in code order, so a point on a shared border goes to the first code."""

    ids: np.ndarray
    codes: tuple[str, ...]
    geoms: tuple

    @classmethod
    def load(cls, region_profile: str) -> RegionShapes:
        rows = list(
            Region.objects.filter(profile=region_profile)
            .order_by("code")
            .values_list("id", "code", "geom")
        )
        geoms = tuple(shapely.from_wkb(bytes(geom.wkb)) for _, _, geom in rows)
        for geom in geoms:
            shapely.prepare(geom)
        return cls(
            ids=np.array([pk for pk, _, _ in rows], dtype=np.int64),
            codes=tuple(code for _, code, _ in rows),
            geoms=geoms,
        )

    def containing(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """The id of the region holding each point, NO_REGION where none does."""
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        out = np.full(len(lons), NO_REGION, dtype=np.int64)
        for region_id, geom in zip(self.ids.tolist(), self.geoms, strict=True):
            todo = np.flatnonzero(out == NO_REGION)
            if not len(todo):
                break
            out[todo[shapely.intersects_xy(geom, lons[todo], lats[todo])]] = region_id
        return out

    def locate(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """The containing region, else the nearest one (a point at sea or in a gap between
        boundaries); NO_REGION only when the profile has no regions."""
        out = self.containing(lons, lats)
        outside = np.flatnonzero(out == NO_REGION)
        if len(outside) and len(self.ids):
            points = shapely.points(np.asarray(lons)[outside], np.asarray(lats)[outside])
            distances = shapely.distance(np.array(self.geoms)[:, None], points[None, :])
            out[outside] = self.ids[np.argmin(distances, axis=0)]
        return out


def in_service_area(
    lons: np.ndarray, lats: np.ndarray, profile: Profile, shapes: RegionShapes | None = None
) -> np.ndarray:
    """The profile's service area: its bounding box, or the union of its regions, or both.
    ``shapes``: the profile's regions when the caller has them loaded already."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    mask = np.ones(len(lons), dtype=bool)
    if profile.service_area_bbox is not None:
        min_lon, min_lat, max_lon, max_lat = profile.service_area_bbox
        mask &= (lons >= min_lon) & (lons <= max_lon) & (lats >= min_lat) & (lats <= max_lat)
    if profile.service_area_regions:
        shapes = shapes or RegionShapes.load(profile.regions.profile)
        candidates = np.flatnonzero(mask)
        inside = shapes.containing(lons[candidates], lats[candidates]) != NO_REGION
        mask[candidates[~inside]] = False
    return mask


def region_for_point(lon: float, lat: float, profile: Profile) -> Region | None:
    """The region containing the point; when the point is inside the service area but outside
    every polygon (sea, a gap between boundaries), the nearest region. None outside the area
    or when the profile has no regions."""
    shapes = RegionShapes.load(profile.regions.profile)
    lons, lats = np.array([lon], dtype=float), np.array([lat], dtype=float)
    if not in_service_area(lons, lats, profile, shapes)[0]:
        return None
    region_id = int(shapes.locate(lons, lats)[0])
    return None if region_id == NO_REGION else Region.objects.get(pk=region_id)


@lru_cache(maxsize=64)
def _holidays(profile: Profile, year: int) -> frozenset[dt.date]:
    return frozenset(profile.holiday_dates([year]))


def holiday_dates(profile: Profile, years) -> list[dt.date]:
    """Sorted public-holiday dates of the profile's country for ``years`` (cached per year)."""
    return sorted(d for year in years for d in _holidays(profile, int(year)))


def time_features_frame(occurred_at: pd.Series, profile: Profile) -> pd.DataFrame:
    """Derived features in the profile's local time, for a column of aware timestamps:
    ``local_hour``, ``weekday`` (0 = Monday), ``is_weekend`` (the profile's weekend days),
    ``is_night`` (the profile's night hours) and ``is_holiday`` (public holidays of the
    profile's country)."""
    local = occurred_at.dt.tz_convert(profile.tz)
    hour = local.dt.hour.to_numpy(dtype=np.int16)
    weekday = local.dt.day_of_week.to_numpy(dtype=np.int16)
    dates = local.dt.tz_localize(None).dt.normalize()
    holidays = (
        holiday_dates(profile, range(int(local.dt.year.min()), int(local.dt.year.max()) + 1))
        if len(local)
        else []
    )
    return pd.DataFrame(
        {
            "local_hour": hour,
            "weekday": weekday,
            "is_weekend": np.isin(weekday + 1, list(profile.weekend)),
            "is_night": _night_mask(hour, profile),
            "is_holiday": dates.isin(pd.to_datetime(holidays)).to_numpy(),
        },
        index=occurred_at.index,
    )


def _night_mask(hour: np.ndarray, profile: Profile) -> np.ndarray:
    start, end = profile.night_start, profile.night_end
    if start == end:
        return np.zeros(len(hour), dtype=bool)
    if start < end:
        return (hour >= start) & (hour < end)
    return (hour >= start) | (hour < end)


def time_features(occurred_at: dt.datetime, profile: Profile) -> dict:
    """``time_features_frame`` for one timestamp."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    row = time_features_frame(pd.Series([pd.Timestamp(occurred_at)]), profile).iloc[0]
    return {
        "local_hour": int(row["local_hour"]),
        "weekday": int(row["weekday"]),
        "is_weekend": bool(row["is_weekend"]),
        "is_night": bool(row["is_night"]),
        "is_holiday": bool(row["is_holiday"]),
    }
