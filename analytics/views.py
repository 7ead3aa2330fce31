"""The analytics page: evaluation report beside its baselines, run history, and a run button.

The page is a shell (``khareetaty.pages.render_page``); its script reads the evaluation and
the runs from the API and, for analysts, starts a run.
"""

from django.http import HttpRequest, HttpResponse

from analytics.choices import RunKind, RunStatus
from analytics.selectors import model_card_latest
from analytics.services.transparency import (
    next_month,
    parse_month,
    previous_month,
    transparency_report,
)
from khareetaty.pages import page_modules, render_page, user_language
from khareetaty.permissions import STAFF, role_required

# The URLs of this app the page scripts call (the dashboard uses them too).
PAGE_URLS = {
    "hotspots": "analytics_api:hotspot-list",
    "forecasts": "analytics_api:forecast-list",
    "risk": "analytics_api:risk",
    "evaluation": "analytics_api:evaluation",
    "runs": "analytics_api:run-list",
}


def _model_card() -> dict:
    run = model_card_latest()
    return run.metrics["model_card"] if run else {}


@role_required(STAFF)
@user_language
def analytics_page(request: HttpRequest) -> HttpResponse:
    """GET /analytics/: model accuracy, hotspot/risk PAI, run history."""
    labels = {"kind": RunKind, "run": RunStatus}
    # Modules other apps add to the page (e.g. response measures from briefings).
    config = {"modules": page_modules("analytics")}
    return render_page(
        request,
        "analytics/page.html",
        labels=labels,
        config=config,
        context={"model_card": _model_card()},
    )


@role_required(STAFF)
@user_language
def transparency_page(request: HttpRequest) -> HttpResponse:
    """GET /analytics/transparency/?month=YYYY-MM: the month's model cards (400 when the month
    is malformed)."""
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError:
        response = render_page(
            request, "analytics/transparency.html", context={"bad_month": request.GET["month"]}
        )
        response.status_code = 400
        return response
    report = transparency_report(month=month, profile=request.GET.get("profile") or None)
    context = {
        "report": report,
        "previous": previous_month(month).strftime("%Y-%m"),
        "next": next_month(month).strftime("%Y-%m"),
    }
    return render_page(request, "analytics/transparency.html", context=context)
