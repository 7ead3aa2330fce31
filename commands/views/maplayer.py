"""The dashboard's lean map layers: incidents (points, grid clusters or heat cells sized to
the zoom level, aggregated in PostGIS and cached by the latest incident), daily counts for the
forecast chart, and simplified region outlines. They must stay fast with 100,000 incidents in
view; ``bench/map_layer.py`` and ``bench/web_pages.py`` measure them.
"""

import hashlib
import json
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
    zoom = forms.IntegerField(required=False, min_value=0, max_value=22)
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
        try:
            west, south, east, north = (float(part) for part in raw.split(","))
        except ValueError as exc:
            raise forms.ValidationError(
                _("bbox must be west,south,east,north in degrees.")
            ) from exc
        if west >= east or south >= north:
            raise forms.ValidationError(_("bbox must be west,south,east,north in degrees."))
        return west, south, east, north


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


def incident_layer(*, data: dict[str, Any]) -> dict[str, Any]:
    """The incident map layer for one view: points, grid clusters or heat cells."""
    queryset = _within_bbox(map_filter_queryset(data=data), data.get("bbox"))
    zoom = data.get("zoom") if data.get("zoom") is not None else 9
    mode = data.get("mode") or "cluster"
    if mode == "cluster":
        total = queryset.count()
        if total <= POINT_LIMIT:
            points = queryset.annotate(x=ST_X("geom"), y=ST_Y("geom")).values_list(
                "pk", "x", "y", "severity", "category__code"
            )
            return {"kind": "points", "total": total, "points": [list(p) for p in points]}
    size = _cell_degrees(zoom, CLUSTER_CELL_PX if mode == "cluster" else HEAT_CELL_PX)
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
@require_GET
def map_incidents(request: HttpRequest) -> JsonResponse:
    """GET /map/incidents: the incident layer for the current view, cached per version."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    key = (
        "map-incidents:"
        + hashlib.sha256((request.GET.urlencode() + _layer_version()).encode()).hexdigest()
    )
    layer = cache.get(key)
    if layer is None:
        layer = incident_layer(data=form.cleaned_data)
        cache.set(key, layer, LAYER_CACHE_SECONDS)
    return JsonResponse(layer)


@role_required(STAFF)
@require_GET
def map_daily(request: HttpRequest) -> JsonResponse:
    """GET /map/daily: incidents per local day for the filter (the forecast chart's history)."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    days = (
        map_filter_queryset(data=form.cleaned_data)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return JsonResponse({"days": [[row["day"].isoformat(), row["n"]] for row in days]})


@role_required(ANY_ROLE)
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
