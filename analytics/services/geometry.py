"""Outlines and cells: from metric coordinates (GEOS without an SRID) to WGS84 geometries."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import (
    GEOSGeometry,
    LinearRing,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)

from analytics.core.grid import Grid
from analytics.core.projection import MetricProjection

HULL_BUFFER_M = 25.0


def _ring_to_wgs84(ring, projection: MetricProjection) -> LinearRing:
    coords = np.asarray(ring.coords, dtype=float)
    lon, lat = projection.inverse(coords[:, 0], coords[:, 1])
    return LinearRing(list(zip(lon.tolist(), lat.tolist(), strict=True)))


def to_wgs84(geom: GEOSGeometry, projection: MetricProjection) -> MultiPolygon:
    """A metric (Multi)Polygon as a WGS84 MultiPolygon in ``settings.SRID``."""
    polygons = [geom] if geom.geom_type == "Polygon" else list(geom)
    out = []
    for polygon in polygons:
        rings = [_ring_to_wgs84(polygon.exterior_ring, projection)]
        rings += [_ring_to_wgs84(polygon[i], projection) for i in range(1, len(polygon))]
        out.append(Polygon(*rings))
    multi = MultiPolygon(*out, srid=4326)
    if settings.SRID != 4326:
        multi.transform(settings.SRID)
    return multi


def cell_square(grid: Grid, flat: int) -> Polygon:
    row, col = divmod(int(flat), grid.nx)
    x0, y0 = grid.x0 + col * grid.cell, grid.y0 + row * grid.cell
    x1, y1 = x0 + grid.cell, y0 + grid.cell
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)))


def cells_outline(grid: Grid, cells: np.ndarray, projection: MetricProjection) -> MultiPolygon:
    """The union of a hotspot's cells, grown by a metre so corner-touching cells join."""
    union = MultiPolygon(*[cell_square(grid, c) for c in cells]).unary_union.buffer(1.0, quadsegs=1)
    return to_wgs84(union.simplify(0.5), projection)


def points_outline(
    x: np.ndarray, y: np.ndarray, projection: MetricProjection, buffer_m: float = HULL_BUFFER_M
) -> MultiPolygon:
    """The convex hull of a cluster's points, slightly buffered."""
    hull = MultiPoint(
        *[Point(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    ).convex_hull
    return to_wgs84(hull.buffer(buffer_m, quadsegs=4), projection)


def cell_polygon_wgs84(grid: Grid, flat: np.ndarray, projection: MetricProjection) -> list[Polygon]:
    """WGS84 squares for many cells at once (corners projected in one numpy call)."""
    row, col = np.divmod(np.asarray(flat), grid.nx)
    x0, y0 = grid.x0 + col * grid.cell, grid.y0 + row * grid.cell
    xs = np.stack([x0, x0 + grid.cell, x0 + grid.cell, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid.cell, y0 + grid.cell, y0], axis=1)
    lon, lat = projection.inverse(xs, ys)
    return [
        Polygon(list(zip(lon[i].tolist(), lat[i].tolist(), strict=True)), srid=4326)
        for i in range(len(flat))
    ]


def centroid_wgs84(x: float, y: float, projection: MetricProjection) -> Point:
    lon, lat = projection.inverse(np.array([x]), np.array([y]))
    return Point(float(lon[0]), float(lat[0]), srid=4326)
