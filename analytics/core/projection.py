"""Metric projections for distances on the ground, through PROJ (pyproj).

DBSCAN's eps, grid cells and densities are in metres, so points are projected first. Any
projected EPSG system whose axes are in metres works (UTM zones, national grids such as
Kuwait's KTM or a state plane in metres); PROJ's database ships inside the pyproj wheel, so
nothing is fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError


class ProjectionError(ValueError):
    pass


@dataclass(frozen=True)
class MetricProjection:
    """One projected system: ``forward`` (lon/lat degrees → metres) and ``inverse``."""

    srid: int
    _to_metres: Transformer = field(repr=False, compare=False)
    _to_degrees: Transformer = field(repr=False, compare=False)

    def forward(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        return self._to_metres.transform(_floats(lon), _floats(lat))

    def inverse(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return self._to_degrees.transform(_floats(x), _floats(y))


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


@lru_cache(maxsize=32)
def projection_for(srid: int) -> MetricProjection:
    """The projection for an EPSG code, or ProjectionError when it is not projected in metres."""
    try:
        crs = CRS.from_epsg(srid)
    except CRSError as exc:
        raise ProjectionError(f"EPSG:{srid} is not a known coordinate system") from exc
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or units != {"metre"}:
        raise ProjectionError(f"EPSG:{srid} is not a projected system in metres")
    return MetricProjection(
        srid=srid,
        _to_metres=Transformer.from_crs(4326, crs, always_xy=True),
        _to_degrees=Transformer.from_crs(crs, 4326, always_xy=True),
    )


def utm_srid_for(lon: float, lat: float) -> int:
    """The WGS84 UTM zone containing a point: the clear default when a profile sets none."""
    zone = int(np.floor((lon + 180) / 6)) % 60 + 1
    return (32700 if lat < 0 else 32600) + zone
