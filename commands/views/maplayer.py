"""The dashboard's lean map layers as page data: ``/map/incidents`` (points, grid clusters or
heat cells for the view) and ``/map/daily`` (daily counts for the forecast chart), computed
by ``commands.selectors.maplayer`` and cached by the latest incident. Region outlines come
from ``/api/regions/``.

Each is rate-limited like the API (``khareetaty.pagedata``). The cache key is built from the
cleaned filter values only, so unknown query parameters and spellings of the same value
(``47`` and ``47.0``, the order of repeated ``region``) share one entry. Inputs are clamped
(zoom to the map's range, the box to the world).
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from commands.selectors.maplayer import (
    DEFAULT_PERIOD,
    DEFAULT_ZOOM,
    PERIODS,
    POINT_LIMIT,
    incident_daily_counts,
    incident_layer,
    incident_layer_version,
)
from incidents.gis import bbox_parse
from incidents.models import Category, Region
from khareetaty.pagedata import rate_limited
from khareetaty.permissions import STAFF, role_required

__all__ = ["DEFAULT_PERIOD", "POINT_LIMIT", "MapFilterForm", "map_daily", "map_incidents"]

LAYER_CACHE_SECONDS = 60


class MapFilterForm(forms.Form):
    """The dashboard's filter bar, as it appears in the page URL and the layer requests."""

    period = forms.ChoiceField(choices=[(key, key) for key in PERIODS], required=False)
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    category = forms.MultipleChoiceField(required=False, choices=())
    region = forms.MultipleChoiceField(required=False, choices=())
    severity = forms.IntegerField(required=False, min_value=1, max_value=5)
    q = forms.CharField(required=False, max_length=200)
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
        return bbox_parse(raw) if raw else None

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
            "q": data.get("q") or "",
            "bbox": data.get("bbox"),
            "zoom": data.get("zoom"),
            "mode": data.get("mode") or "cluster",
        }
        if not view:
            for name in ("bbox", "zoom", "mode"):
                canonical.pop(name)
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _cached_layer(
    request: HttpRequest, name: str, read: Callable[..., dict[str, Any]], *, view: bool
) -> HttpResponse:
    """Parse the filter bar, then answer ``read(data=…)`` from the cache of this version.

    The cache holds the encoded JSON (what ``JsonResponse`` would send), not the dict: a
    layer of thousands of cells is then one string to fetch instead of a pickle to load and
    a dict to encode again on every request (most of a cached answer's CPU)."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    key = f"{name}:json:{incident_layer_version()}:{form.cache_key(view=view)}"
    content = cache.get(key)
    if content is None:
        content = json.dumps(read(data=form.cleaned_data), cls=DjangoJSONEncoder).encode()
        cache.set(key, content, LAYER_CACHE_SECONDS)
    return HttpResponse(content, content_type="application/json")


@role_required(STAFF)
@rate_limited
@require_GET
def map_incidents(request: HttpRequest) -> HttpResponse:
    """GET /map/incidents: the incident layer for the current view, cached per version."""
    return _cached_layer(request, "map-incidents", incident_layer, view=True)


@role_required(STAFF)
@rate_limited
@require_GET
def map_daily(request: HttpRequest) -> HttpResponse:
    """GET /map/daily: incidents per local day for the filter (the forecast chart's history),
    cached per version whatever the map view."""
    return _cached_layer(request, "map-daily", incident_daily_counts, view=False)
