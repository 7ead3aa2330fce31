"""Reads behind the dashboard's lean map layers: incidents (points, grid clusters or heat
cells sized to the zoom level, aggregated in PostGIS) and daily counts for the forecast
chart. They take the dashboard's cleaned filter values (``commands.views.maplayer``'s
``MapFilterForm``) and must stay fast with 100,000 incidents in view; ``bench/map_layer.py``
and ``bench/web_pages.py`` measure them.

One answer is bounded: at most ``POINT_LIMIT`` points, or at most ``MAP_LAYER_MAX_CELLS``
cells (setting, default 20,000; a cell is six numbers, under 64 bytes of JSON, so about
1.3 MB at most): when the view would need more, the cells grow until it does not.
"""

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, Max, QuerySet
from django.db.models.functions import Floor, TruncDate
from django.utils import timezone

from incidents.filters import IncidentFilterSet
from incidents.gis import WORLD, BBox, PointX, PointY
from incidents.models import Incident

PERIODS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
    "all": None,
}
DEFAULT_PERIOD = "30d"
# Below this many incidents in view the layer sends points; above, grid clusters.
POINT_LIMIT = 2000
CLUSTER_CELL_PX = 64
HEAT_CELL_PX = 12
DEFAULT_ZOOM = 9
MAX_LAYER_CELLS = 20_000


def incident_filter_params(*, data: dict[str, Any]) -> dict[str, str]:
    """The dashboard's filter bar (cleaned ``MapFilterForm`` data) as ``IncidentFilterSet``
    parameters, so the map, the API and the selectors filter incidents the same way."""
    params: dict[str, str] = {}
    period = PERIODS.get(data.get("period") or DEFAULT_PERIOD)
    if data.get("since"):
        params["occurred_after"] = data["since"].isoformat()
    elif period:
        params["occurred_after"] = (timezone.now() - period).isoformat()
    if data.get("until"):
        params["occurred_before"] = data["until"].isoformat()
    if data.get("category"):
        params["category"] = ",".join(data["category"])
    if data.get("region"):
        params["region"] = ",".join(data["region"])
    if data.get("severity"):
        params["severity_min"] = str(data["severity"])
    if data.get("q"):
        params["q"] = data["q"]
    return params


def map_filter_queryset(*, data: dict[str, Any]) -> QuerySet[Incident]:
    """Incidents matching cleaned ``MapFilterForm`` data (bbox excluded)."""
    filterset = IncidentFilterSet(
        incident_filter_params(data=data), queryset=Incident.objects.all()
    )
    return filterset.qs


def _within_bbox(queryset: QuerySet[Incident], bbox: BBox | None) -> QuerySet[Incident]:
    if not bbox:
        return queryset
    envelope = Polygon.from_bbox(bbox)
    envelope.srid = settings.SRID
    # ``bboverlaps`` is PostGIS's index-backed ``&&``: for points in a rectangle it is the
    # exact answer without a per-row geometry test.
    return queryset.filter(geom__bboverlaps=envelope)


def _cell_degrees(zoom: int, pixels: int) -> float:
    """Width in degrees of ``pixels`` screen pixels at ``zoom`` (Web Mercator, 256 px tiles)."""
    return 360.0 / (256 * 2**zoom) * pixels


def _max_cells() -> int:
    return max(getattr(settings, "MAP_LAYER_MAX_CELLS", MAX_LAYER_CELLS), 4)


def _bounded_cell(size: float, bbox: BBox | None) -> float:
    """``size``, grown so that the grid over ``bbox`` (the world without one) has at most
    ``MAP_LAYER_MAX_CELLS`` cells: (w/size + 1)·(h/size + 1) <= (√max)² when
    size >= max(w, h) / (√max - 1)."""
    west, south, east, north = bbox or WORLD
    side = max(math.isqrt(_max_cells()) - 1, 1)
    return max(size, max(east - west, north - south) / side)


def incident_layer(*, data: dict[str, Any]) -> dict[str, Any]:
    """The incident map layer for one view: points, grid clusters or heat cells."""
    queryset = _within_bbox(map_filter_queryset(data=data), data.get("bbox"))
    zoom = data.get("zoom") if data.get("zoom") is not None else DEFAULT_ZOOM
    mode = data.get("mode") or "cluster"
    if mode == "cluster":
        total = queryset.count()
        if total <= POINT_LIMIT:
            points = queryset.annotate(x=PointX("geom"), y=PointY("geom")).values_list(
                "pk", "x", "y", "severity", "category__code"
            )
            return {"kind": "points", "total": total, "points": [list(p) for p in points]}
    size = _cell_degrees(zoom, CLUSTER_CELL_PX if mode == "cluster" else HEAT_CELL_PX)
    size = _bounded_cell(size, data.get("bbox"))
    x, y = PointX("geom"), PointY("geom")
    cells = (
        queryset.annotate(gx=Floor(x / size), gy=Floor(y / size))
        .values("gx", "gy")
        .annotate(n=Count("pk"), x=Avg(x), y=Avg(y), sev=Max("severity"))
        .order_by()
    )
    rows = [
        [c["n"], round(c["x"], 6), round(c["y"], 6), c["sev"], int(c["gx"]), int(c["gy"])]
        for c in cells
    ]
    return {
        "kind": "clusters" if mode == "cluster" else "heat",
        "total": sum(row[0] for row in rows),
        "cell": size,
        "cells": rows,
    }


def incident_daily_counts(*, data: dict[str, Any]) -> dict[str, list]:
    """Incidents per local day for cleaned ``MapFilterForm`` data (the forecast chart's
    history), one row per day with incidents: bounded by the days of the data."""
    days = (
        map_filter_queryset(data=data)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return {"days": [[row["day"].isoformat(), row["n"]] for row in days]}


def incident_layer_version() -> str:
    """Changes whenever an incident is added (index-only ``max(id)``); edits to existing
    incidents show within the layers' cache time."""
    return str(Incident.objects.aggregate(latest=Max("pk"))["latest"])
