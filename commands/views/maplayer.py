"""The dashboard's lean map layers: incidents (points, grid clusters or heat cells sized to
the zoom level, aggregated in PostGIS and cached by the latest incident), daily counts for the
forecast chart, and simplified region outlines. They must stay fast with 100,000 incidents in
view; ``bench/map_layer.py`` and ``bench/web_pages.py`` measure them.

Each is rate-limited like the API (``khareetaty.pagedata``). The cache key is built from the
cleaned filter values only, so unknown query parameters and spellings of the same value
(``47`` and ``47.0``, the order of repeated ``region``) share one entry. Inputs are clamped
(zoom to the map's range, the box to the world) and one answer is bounded: at most
``POINT_LIMIT`` points, or at most ``MAP_LAYER_MAX_CELLS`` cells (setting, default 20,000;
a cell is six numbers, under 64 bytes of JSON, so about 1.3 MB at most): when the view would
need more, the cells grow until it does not.
"""

import hashlib
import json
import math
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db.models import Avg, Count, FloatField, Func, Max, QuerySet, Value
from django.db.models.functions import Floor, TruncDate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from incidents.filters import IncidentFilterSet
from incidents.models import Category, Incident, Region
from khareetaty.pagedata import rate_limited
from khareetaty.permissions import ANY_ROLE, STAFF, role_required

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
LAYER_CACHE_SECONDS = 60
DEFAULT_ZOOM = 9
MAX_LAYER_CELLS = 20_000
# About 50 m: outlines stay recognisable at city zoom and the layer stays small.
REGION_SIMPLIFY_DEGREES = 0.0005


class ST_X(Func):
    function = "ST_X"
    output_field = FloatField()


class ST_Y(Func):
    function = "ST_Y"
    output_field = FloatField()


class MapFilterForm(forms.Form):
    """The dashboard's filter bar, as it appears in the page URL and the layer requests."""

    period = forms.ChoiceField(choices=[(key, key) for key in PERIODS], required=False)
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    category = forms.MultipleChoiceField(required=False, choices=())
    region = forms.MultipleChoiceField(required=False, choices=())
    severity = forms.IntegerField(required=False, min_value=1, max_value=5)
    bbox = forms.CharField(required=False)
    zoom = forms.IntegerField(required=False)
    mode = forms.ChoiceField(choices=[("cluster", "cluster"), ("heat", "heat")], required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c, c) for c in Category.objects.values_list("code", flat=True)
        ]
        self.fields["region"].choices = [
            (c, c) for c in Region.objects.values_list("code", flat=True)
        ]

    def clean_bbox(self) -> tuple[float, float, float, float] | None:
        raw = self.cleaned_data.get("bbox")
        if not raw:
            return None
        message = _("bbox must be west,south,east,north in degrees.")
        try:
            west, south, east, north = (float(part) for part in raw.split(","))
        except ValueError as exc:
            raise forms.ValidationError(message) from exc
        if not all(map(math.isfinite, (west, south, east, north))):
            raise forms.ValidationError(message)
        # Clamped to the world: a wider box asks for nothing more.
        west, east = max(west, -180.0), min(east, 180.0)
        south, north = max(south, -90.0), min(north, 90.0)
        if west >= east or south >= north:
            raise forms.ValidationError(message)
        return west, south, east, north

    def clean_zoom(self) -> int:
        """Clamped to the map's zoom range: finer cells than the map can show add only bytes."""
        zoom = self.cleaned_data.get("zoom")
        if zoom is None:
            return DEFAULT_ZOOM
        leaflet = settings.LEAFLET_CONFIG
        return min(max(zoom, leaflet.get("MIN_ZOOM", 3)), leaflet.get("MAX_ZOOM", 18))

    def cache_key(self, *, view: bool = True) -> str:
        """The cleaned values that decide the answer, canonical: unknown parameters and
        different spellings of the same value give the same key. ``view=False`` leaves out
        the map view (box, zoom, mode) for answers that do not depend on it."""
        data = self.cleaned_data
        canonical = {
            "period": data.get("period") or DEFAULT_PERIOD,
            "since": data["since"].isoformat() if data.get("since") else None,
            "until": data["until"].isoformat() if data.get("until") else None,
            "category": sorted(set(data.get("category") or [])),
            "region": sorted(set(data.get("region") or [])),
            "severity": data.get("severity"),
            "bbox": data.get("bbox"),
            "zoom": data.get("zoom"),
            "mode": data.get("mode") or "cluster",
        }
        if not view:
            for name in ("bbox", "zoom", "mode"):
                canonical.pop(name)
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


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
    return params


def map_filter_queryset(*, data: dict[str, Any]) -> QuerySet[Incident]:
    """Incidents matching cleaned ``MapFilterForm`` data (bbox excluded)."""
    filterset = IncidentFilterSet(
        incident_filter_params(data=data), queryset=Incident.objects.all()
    )
    return filterset.qs


def _within_bbox(queryset: QuerySet[Incident], bbox) -> QuerySet[Incident]:
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


def _bounded_cell(size: float, bbox) -> float:
    """``size``, grown so that the grid over ``bbox`` (the world without one) has at most
    ``MAP_LAYER_MAX_CELLS`` cells: (w/size + 1)·(h/size + 1) <= (√max)² when
    size >= max(w, h) / (√max - 1)."""
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
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
            points = queryset.annotate(x=ST_X("geom"), y=ST_Y("geom")).values_list(
                "pk", "x", "y", "severity", "category__code"
            )
            return {"kind": "points", "total": total, "points": [list(p) for p in points]}
    size = _cell_degrees(zoom, CLUSTER_CELL_PX if mode == "cluster" else HEAT_CELL_PX)
    size = _bounded_cell(size, data.get("bbox"))
    cells = (
        queryset.annotate(gx=Floor(ST_X("geom") / size), gy=Floor(ST_Y("geom") / size))
        .values("gx", "gy")
        .annotate(n=Count("pk"), x=Avg(ST_X("geom")), y=Avg(ST_Y("geom")), sev=Max("severity"))
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


def _layer_version() -> str:
    """Changes whenever an incident is added (index-only ``max(id)``); edits to existing
    incidents show within ``LAYER_CACHE_SECONDS``."""
    return str(Incident.objects.aggregate(latest=Max("pk"))["latest"])


@role_required(STAFF)
@rate_limited
@require_GET
def map_incidents(request: HttpRequest) -> JsonResponse:
    """GET /map/incidents: the incident layer for the current view, cached per version."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    key = f"map-incidents:{_layer_version()}:{form.cache_key()}"
    layer = cache.get(key)
    if layer is None:
        layer = incident_layer(data=form.cleaned_data)
        cache.set(key, layer, LAYER_CACHE_SECONDS)
    return JsonResponse(layer)


@role_required(STAFF)
@rate_limited
@require_GET
def map_daily(request: HttpRequest) -> JsonResponse:
    """GET /map/daily: incidents per local day for the filter (the forecast chart's history),
    one row per day with incidents: bounded by the days of the data."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    key = f"map-daily:{_layer_version()}:{form.cache_key(view=False)}"
    body = cache.get(key)
    if body is None:
        days = (
            map_filter_queryset(data=form.cleaned_data)
            .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by("day")
        )
        body = {"days": [[row["day"].isoformat(), row["n"]] for row in days]}
        cache.set(key, body, LAYER_CACHE_SECONDS)
    return JsonResponse(body)


@role_required(ANY_ROLE)
@rate_limited
@require_GET
def map_regions(request: HttpRequest) -> HttpResponse:
    """GET /map/regions: region outlines, simplified for display, cached by the latest edit."""
    version = Region.objects.aggregate(changed=Max("updated_at"), n=Count("pk"))
    key = f"map-regions:{version['changed']}:{version['n']}"
    body = cache.get(key)
    if body is None:
        rows = Region.objects.annotate(
            outline=AsGeoJSON(
                Func(
                    "geom",
                    Value(REGION_SIMPLIFY_DEGREES),
                    function="ST_SimplifyPreserveTopology",
                    output_field=MultiPolygonField(srid=settings.SRID),
                ),
                precision=5,
            )
        ).values_list("pk", "code", "name_en", "name_ar", "outline")
        features = [
            {
                "type": "Feature",
                "id": pk,
                "properties": {"id": pk, "code": code, "name_en": name_en, "name_ar": name_ar},
                "geometry": json.loads(outline),
            }
            for pk, code, name_en, name_ar, outline in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features})
        cache.set(key, body, 24 * 3600)
    return HttpResponse(body, content_type="application/json")
