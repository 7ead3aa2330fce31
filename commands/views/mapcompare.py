"""``/map/compare``: a time window of the filter bar against the previous one of the same
length (``commands.selectors.mapcompare``), cached by the latest incident like the layers."""

from datetime import timedelta

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commands.selectors.mapcompare import incident_compare
from commands.selectors.maplayer import incident_layer_version
from commands.views.maplayer import LAYER_CACHE_SECONDS, MapFilterForm
from khareetaty.pagedata import rate_limited
from khareetaty.permissions import STAFF, role_required

MAX_WINDOW = timedelta(days=400)


@role_required(STAFF)
@rate_limited
@require_GET
def map_compare(request: HttpRequest) -> JsonResponse:
    """GET /map/compare?since=…&until=…&(filters)&bbox=…&zoom=…: counts of the window and
    of the previous window, and the change cells over the view."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
    if not since or not until or not since < until <= since + MAX_WINDOW:
        message = _("since and until are needed, since before until, at most 400 days apart.")
        return JsonResponse({"errors": {"since": [message]}}, status=400)
    key = f"map-compare:{incident_layer_version()}:{form.cache_key(view=True)}"
    body = cache.get(key)
    if body is None:
        body = incident_compare(data=form.cleaned_data)
        cache.set(key, body, LAYER_CACHE_SECONDS)
    return JsonResponse(body)
