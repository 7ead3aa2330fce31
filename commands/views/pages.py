"""Pages of the command dashboard and the mobile field view.

Pages are server-rendered shells; their panels read the JSON API (which applies each role's
permissions) and listen to the live WebSocket. Each page declares who may open it
(``role_required``, the API's policy): the dashboard is for command staff, the field view for
the people who work tasks. Each signed-in page renders in the user's
remembered language.
"""

from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from analytics.choices import HotspotTrend
from commands.choices import AlertStatus, Severity, TaskPriority, TaskStatus
from commands.permissions import ANALYSTS_AND_FIELD
from commands.selectors import profile_regions
from commands.views.front_strings import FRONT_STRINGS
from commands.views.maplayer import DEFAULT_PERIOD, MapFilterForm
from incidents.models import Category
from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.services import user_set_language
from khareetaty.permissions import ANY_ROLE, STAFF, role_required

# Attribution of the default region boundaries shipped with the project.
DEFAULT_BOUNDARY_ATTRIBUTION = "Boundaries © OpenStreetMap contributors, ODbL; via geoBoundaries"
ACTING_ROLES = frozenset({Role.ANALYST, Role.SUPERADMIN})
TASK_REPORTING_ROLES = ANALYSTS_AND_FIELD


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
PAGE_STRINGS.update(FRONT_STRINGS)


# Counted strings: singular and plural (English), rendered per plural category so the page
# can pick the right form for any n with ``Intl.PluralRules(lang).select(n)`` (Arabic has
# six forms). ``PAGE_STRINGS`` keeps a plain fallback under the same key.
PAGE_PLURALS = {
    "runs_seen": ("%(n)s run", "%(n)s runs"),
    "incidents_in_view": ("%(n)s incident in view", "%(n)s incidents in view"),
    "new_incidents": (
        "%(n)s new incident since you opened the page",
        "%(n)s new incidents since you opened the page",
    ),
    "queue_pending": (
        "%(n)s update waiting for the network",
        "%(n)s updates waiting for the network",
    ),
}
# One sample count per CLDR plural category (the names Intl.PluralRules returns).
PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def page_plurals() -> dict[str, dict[str, str]]:
    """Each counted string in every plural category of the active language."""
    return {
        key: {category: ngettext(singular, plural, n) for category, n in PLURAL_SAMPLES.items()}
        for key, (singular, plural) in PAGE_PLURALS.items()
    }


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
        "canUpdateTasks": request.user.role in TASK_REPORTING_ROLES,
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
        "plurals": page_plurals(),
        **{
            f"{prefix}_{value}": label
            for prefix, choices in labelled.items()
            for value, label in choices.choices
        },
    }


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"config": page_config(request), "strings": page_strings(), **extra}


@role_required(ANY_ROLE)
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: field supervisors go to their tasks, everyone else to the map."""
    if request.user.role == Role.FIELD_SUPERVISOR:
        return redirect("commands_web:field_home")
    return redirect("commands_web:dashboard")


@role_required(STAFF)
@user_language
def dashboard(request: HttpRequest) -> HttpResponse:
    """The command dashboard: map, filter bar and panels."""
    filters = MapFilterForm(request.GET)
    filters.is_valid()
    context = page_context(
        request,
        **{
            "categories": Category.objects.all(),
            "regions": profile_regions().only("code", "name_en", "name_ar"),
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


@role_required(ANY_ROLE)
@user_language
def field_home(request: HttpRequest) -> HttpResponse:
    """The mobile field view: my tasks and my team's, nearby hotspots."""
    return user_page(request, "field/home.html", page_context(request))


@role_required(ANY_ROLE)
@user_language
def field_task(request: HttpRequest, task_id: int) -> HttpResponse:
    """One task on the phone: detail, small map, status buttons and updates. The buttons
    and the update form are rendered only for roles the API lets report on tasks."""
    can_update = request.user.role in TASK_REPORTING_ROLES
    context = page_context(request, task_id=task_id, can_update=can_update)
    return user_page(request, "field/task.html", context)


@role_required(ANY_ROLE)
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it on the user (POST language, next)."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        return HttpResponse(status=400)
    user_set_language(user=request.user, language=language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return _use_user_language(request, redirect(target))
