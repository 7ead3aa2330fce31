"""Pages of the command dashboard and the mobile field view, and the lean map-layer endpoint.

Pages are server-rendered shells; their panels read the JSON API (which applies each role's
permissions) and listen to the live WebSocket. The only data these views compute themselves is
the incident map layer, which must stay fast with 100,000 incidents in view: it is aggregated in
PostGIS into grid clusters (or heat cells) sized to the zoom level, and cached by the latest
incident change.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db.models import Avg, Count, FloatField, Func, Max, QuerySet, Value
from django.db.models.functions import Floor, TruncDate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from analytics.choices import HotspotTrend
from commands.choices import AlertStatus, Severity, TaskPriority, TaskStatus
from incidents.filters import IncidentFilterSet
from incidents.models import Category, Incident, Region
from khareetaty.accounts.choices import Language, Role

# Attribution of the default region boundaries shipped with the project.
DEFAULT_BOUNDARY_ATTRIBUTION = "Boundaries © OpenStreetMap contributors, ODbL; via geoBoundaries"
ACTING_ROLES = frozenset({Role.ANALYST, Role.SUPERADMIN})
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


# Text the page scripts show, translated with the rest of the catalogue.
PAGE_STRINGS = {
    "not_available": _("Not available yet."),
    "load_failed": _("Could not load. It will retry."),
    "session_expired": _("Your session has expired."),
    "sign_in_again": _("Sign in again"),
    "live_connecting": _("Connecting…"),
    "live_on": _("Live"),
    "live_off": _("Offline: reconnecting"),
    "zoom_in": _("Zoom in"),
    "zoom_out": _("Zoom out"),
    "layer_regions": _("Regions"),
    "layer_incidents": _("Incidents"),
    "layer_hotspots": _("Hotspots"),
    "layer_risk": _("Risk grid (next 7 days)"),
    "incidents_in_view": _("%(n)s incidents in view"),
    "new_incidents": _("%(n)s new since you opened the page"),
    "close": _("Close"),
    "incident_reported": _("Reported"),
    "incident_verified": _("Verified"),
    "incident_closed": _("Closed"),
    "incident": _("Incident"),
    "hotspot": _("Hotspot"),
    "category": _("Category"),
    "categories": _("Categories"),
    "severity": _("Severity"),
    "occurred_at": _("Occurred"),
    "region": _("Region"),
    "area": _("Area · block"),
    "status": _("Status"),
    "source": _("Source"),
    "description": _("Description"),
    "trend": _("Trend"),
    "incident_count": _("Incidents"),
    "score": _("Score"),
    "first_incident": _("First incident"),
    "last_incident": _("Last incident"),
    "history": _("History"),
    "previously": _("previous run %(n)s"),
    "area_km2": _("Area (km²)"),
    "tracked_since": _("Tracked since"),
    "runs_seen": _("%(n)s runs"),
    "recent_incidents": _("Incidents in this hotspot"),
    "create_task": _("Create task"),
    "patrol_hotspot": _("Patrol hotspot"),
    "task_title": _("Task title"),
    "task_created": _("Task created."),
    "kpi_incidents_24h": _("Incidents, last 24 h"),
    "vs_forecast": _("forecast %(n)s"),
    "kpi_open_alerts": _("Open alerts"),
    "kpi_tasks": _("Open tasks"),
    "kpi_accuracy": _("Forecast accuracy"),
    "vs_baseline": _("best baseline %(n)s"),
    "no_alerts": _("No open alerts."),
    "acknowledge": _("Acknowledge"),
    "resolve": _("Resolve"),
    "resolution_note": _("Resolution note"),
    "due": _("due %(when)s"),
    "national": _("National"),
    "forecast": _("Forecast"),
    "no_tasks": _("No tasks for you right now."),
    "accept": _("Accept"),
    "start": _("Start"),
    "mark_done": _("Done"),
    "send_update": _("Send update"),
    "note": _("Note"),
    "queued_offline": _("Saved on this phone; it will be sent when the network returns."),
    "queue_pending": _("%(n)s update(s) waiting for the network"),
    "sent": _("Sent."),
    "location_denied": _(
        "Location unavailable: the update is sent without it. Tap the map to set it by hand."
    ),
    "location_found": _("Location attached (±%(m)s m)."),
    "location_manual": _("Location set on the map."),
    "nearby_hotspots": _("Nearby hotspots"),
    "no_hotspots": _("No hotspots nearby."),
    "km_away": _("%(km)s km away"),
    "overdue": _("Overdue"),
    "updates": _("Updates"),
    "with_location": _("with location"),
}


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


@login_required
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


@login_required
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


@login_required
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


def _use_user_language(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Remember the user's language in the cookie LocaleMiddleware reads on the next request."""
    language = request.user.preferred_language
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def user_language(view):
    """Run a signed-in page in the user's remembered language, whatever the cookie says."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        translation.activate(request.user.preferred_language)
        request.LANGUAGE_CODE = request.user.preferred_language
        return _use_user_language(request, view(request, *args, **kwargs))

    return wrapper


def user_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context = {"can_act": request.user.role in ACTING_ROLES, **context}
    return render(request, template, context)


# Data sources of the panels. A page skips (and labels "not available") any that this
# deployment does not serve, instead of calling a missing endpoint.
DATA_SOURCES = {
    "hotspots": "/api/analytics/hotspots/",
    "forecasts": "/api/analytics/forecasts/",
    "risk": "/api/analytics/risk",
    "evaluation": "/api/analytics/evaluation",
    "runs": "/api/analytics/runs/",
    "incident": "/api/incidents/1/",
    "incidents": "/api/incidents/",
    "dashboard": "/api/commands/dashboard",
    "alerts": "/api/commands/alerts/",
    "tasks": "/api/commands/tasks/",
    "teams": "/api/commands/teams/",
}


def available_sources() -> dict[str, bool]:
    """Which panel data sources are routed in this deployment."""
    found = {}
    for name, path in DATA_SOURCES.items():
        try:
            resolve(path)
        except Resolver404:
            found[name] = False
        else:
            found[name] = True
    return found


def page_config(request: HttpRequest) -> dict[str, Any]:
    """Settings the page scripts need, rendered with ``json_script``."""
    leaflet = settings.LEAFLET_CONFIG
    return {
        "lang": translation.get_language(),
        "rtl": translation.get_language_bidi(),
        "timeZone": settings.TIME_ZONE,
        "user": {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "role": request.user.role,
        },
        "canAct": request.user.role in ACTING_ROLES,
        "map": {
            "center": list(leaflet.get("DEFAULT_CENTER", (29.31, 47.98))),
            "zoom": leaflet.get("DEFAULT_ZOOM", 9),
            "minZoom": leaflet.get("MIN_ZOOM", 3),
            "maxZoom": leaflet.get("MAX_ZOOM", 18),
            "tileUrl": settings.MAP_TILE_URL,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
            "boundaryAttribution": getattr(
                settings, "MAP_BOUNDARY_ATTRIBUTION", DEFAULT_BOUNDARY_ATTRIBUTION
            ),
        },
        "loginUrl": settings.LOGIN_URL,
        "sources": available_sources(),
    }


def page_strings() -> dict[str, Any]:
    """``PAGE_STRINGS`` plus the labels of the choices the panels show."""
    labelled = {
        "severity": Severity,
        "status": AlertStatus,
        "task": TaskStatus,
        "priority": TaskPriority,
        "trend": HotspotTrend,
    }
    return {
        **PAGE_STRINGS,
        **{
            f"{prefix}_{value}": label
            for prefix, choices in labelled.items()
            for value, label in choices.choices
        },
    }


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"config": page_config(request), "strings": page_strings(), **extra}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: field supervisors go to their tasks, everyone else to the map."""
    if request.user.role == Role.FIELD_SUPERVISOR:
        return redirect("commands_web:field_home")
    return redirect("commands_web:dashboard")


@login_required
@user_language
def dashboard(request: HttpRequest) -> HttpResponse:
    """The command dashboard: map, filter bar and panels."""
    filters = MapFilterForm(request.GET)
    filters.is_valid()
    context = page_context(
        request,
        **{
            "categories": Category.objects.all(),
            "regions": Region.objects.only("code", "name_en", "name_ar"),
            "periods": [
                ("24h", _("Last 24 hours")),
                ("7d", _("Last 7 days")),
                ("30d", _("Last 30 days")),
                ("90d", _("Last 90 days")),
                ("365d", _("Last year")),
                ("all", _("All time")),
            ],
            "selected": {
                "period": filters.cleaned_data.get("period") or DEFAULT_PERIOD,
                "category": filters.cleaned_data.get("category") or [],
                "region": filters.cleaned_data.get("region") or [],
                "severity": filters.cleaned_data.get("severity"),
            },
        },
    )
    return user_page(request, "commands/dashboard.html", context)


@login_required
@user_language
def field_home(request: HttpRequest) -> HttpResponse:
    """The mobile field view: my tasks and my team's, nearby hotspots."""
    return user_page(request, "field/home.html", page_context(request))


@login_required
@user_language
def field_task(request: HttpRequest, task_id: int) -> HttpResponse:
    """One task on the phone: detail, small map, status buttons and updates."""
    return user_page(request, "field/task.html", page_context(request, task_id=task_id))


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it on the user (POST language, next)."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        return HttpResponse(status=400)
    if request.user.preferred_language != language:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return _use_user_language(request, redirect(target))
