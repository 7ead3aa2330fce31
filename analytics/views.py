"""The analytics page: evaluation report beside its baselines, run history, and a run button.

The page is a shell (``khareetaty.pages.render_page``); its script reads the evaluation and
the runs from the API and, for analysts, starts a run.
"""

from django.http import HttpRequest, HttpResponse

from analytics.choices import RunKind, RunStatus
from khareetaty.pages import render_page, user_language
from khareetaty.permissions import STAFF, role_required

# The URLs of this app the page scripts call (the dashboard uses them too).
PAGE_URLS = {
    "hotspots": "analytics_api:hotspot-list",
    "forecasts": "analytics_api:forecast-list",
    "risk": "analytics_api:risk",
    "evaluation": "analytics_api:evaluation",
    "runs": "analytics_api:run-list",
}


@role_required(STAFF)
@user_language
def analytics_page(request: HttpRequest) -> HttpResponse:
    """GET /analytics/: model accuracy, hotspot/risk PAI, run history."""
    labels = {"kind": RunKind, "run": RunStatus}
    return render_page(request, "analytics/page.html", labels=labels)
