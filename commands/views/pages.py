"""Pages of the command dashboard and the mobile field view.

Pages are server-rendered shells (``khareetaty.pages.render_page``); their scripts read the
JSON API (which applies each role's permissions) and listen to the live WebSocket. Each page
declares who may open it (``role_required``, the API's policy): the dashboard is for command
staff, the field view for the people who work tasks. Each signed-in page renders in the
user's remembered language.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from analytics.choices import HotspotTrend
from commands.choices import (
    AckVia,
    AlertEventKind,
    AlertStatus,
    ChannelKind,
    DeliveryStatus,
    Severity,
    TaskPriority,
    TaskStatus,
)
from commands.permissions import ANALYSTS_AND_FIELD
from commands.selectors import profile_regions
from commands.views.maplayer import DEFAULT_PERIOD, MapFilterForm
from incidents.choices import IncidentStatus
from incidents.gazetteer import region_extent
from incidents.models import Category
from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.services import user_set_language
from khareetaty.pages import page_modules, render_page, use_user_language, user_language
from khareetaty.permissions import ANALYSTS, ANY_ROLE, STAFF, role_required

# Attribution of the default region boundaries shipped with the project.
DEFAULT_BOUNDARY_ATTRIBUTION = "Boundaries © OpenStreetMap contributors, ODbL; via geoBoundaries"

# The URLs the command and field pages' scripts call, reversed once by the page shell.
PAGE_URLS = {
    "dashboard": "commands_api:dashboard",
    "alerts": "commands_api:alert-list",
    "alert": "commands_api:alert-detail {id}",
    "alertAcknowledge": "commands_api:alert-acknowledge {id}",
    "alertResolve": "commands_api:alert-resolve {id}",
    "tasks": "commands_api:task-list",
    "task": "commands_api:task-detail {id}",
    "taskAssign": "commands_api:task-assign {id}",
    "taskDue": "commands_api:task-due {id}",
    "taskCancel": "commands_api:task-cancel {id}",
    "taskUpdates": "commands_api:task-updates {id}",
    "teams": "commands_api:team-list",
    "mapIncidents": "commands_web:map_incidents",
    "mapDaily": "commands_web:map_daily",
    "mapCompare": "commands_web:map_compare",
    "fieldTask": "commands_web:field_task {id}",
    # Alerts and rules in depth (commands.api.alert_depth).
    "alertNotes": "commands_api:alert-notes {id}",
    "alertGroups": "commands_api:alert-groups",
    "alertAcknowledgeBulk": "commands_api:alert-acknowledge-bulk",
    "rules": "commands_api:rule-list",
    "ruleKinds": "commands_api:rule-kinds",
    "rulePreview": "commands_api:rule-preview",
}

# The choices whose labels the dashboard and field scripts show, by value.
PAGE_LABELS = {
    "severity": Severity,
    "status": AlertStatus,
    "task": TaskStatus,
    "priority": TaskPriority,
    "trend": HotspotTrend,
    "incident": IncidentStatus,
    "alertEvent": AlertEventKind,
    "via": AckVia,
    "delivery": DeliveryStatus,
    "channel": ChannelKind,
}

PERIODS = [
    ("24h", _("Last 24 hours")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("365d", _("Last year")),
    ("all", _("All time")),
]


def map_config() -> dict[str, Any]:
    """The base map: view, zoom limits, tiles (none unless configured) and attributions."""
    leaflet = settings.LEAFLET_CONFIG
    return {
        "center": list(leaflet.get("DEFAULT_CENTER", (29.31, 47.98))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 9),
        "minZoom": leaflet.get("MIN_ZOOM", 3),
        "maxZoom": leaflet.get("MAX_ZOOM", 18),
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "boundaryAttribution": getattr(
            settings, "MAP_BOUNDARY_ATTRIBUTION", DEFAULT_BOUNDARY_ATTRIBUTION
        ),
    }


def command_page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, **config: Any
) -> HttpResponse:
    return render_page(
        request,
        template,
        config={
            "map": map_config(),
            "canUpdateTasks": request.user.role in ANALYSTS_AND_FIELD,
            **config,
        },
        labels=PAGE_LABELS,
        context=context,
    )


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
    context = {
        "categories": Category.objects.all(),
        "regions": profile_regions().only("code", "name_en", "name_ar"),
        "periods": PERIODS,
        "selected": {
            "period": filters.cleaned_data.get("period") or DEFAULT_PERIOD,
            "category": filters.cleaned_data.get("category") or [],
            "region": filters.cleaned_data.get("region") or [],
            "severity": filters.cleaned_data.get("severity"),
            "q": filters.cleaned_data.get("q") or "",
        },
    }
    modules = page_modules("dashboard")
    view = {**map_config(), "fit": region_extent(regions=profile_regions())}
    return command_page(
        request,
        "commands/dashboard.html",
        context,
        modules=modules,
        map=view,
        exportMaxRows=settings.INCIDENT_EXPORT_MAX_ROWS,
        canEditRules=request.user.role in ANALYSTS,
    )


@role_required(ANY_ROLE)
@user_language
def field_home(request: HttpRequest) -> HttpResponse:
    """The mobile field view: my tasks and my team's, nearby hotspots."""
    return command_page(request, "field/home.html")


@role_required(ANY_ROLE)
@user_language
def field_task(request: HttpRequest, task_id: int) -> HttpResponse:
    """One task on the phone: detail, small map, status buttons and updates. The buttons
    and the update form are rendered only for roles the API lets report on tasks."""
    return command_page(request, "field/task.html", {"task_id": task_id})


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
    return use_user_language(request, redirect(target))
