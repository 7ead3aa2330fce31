"""The analytics page: evaluation report beside its baselines, run history, and a run button.

The page is a shell; its script reads ``/api/analytics/evaluation`` and ``/api/analytics/runs``
and, for analysts, starts a run with ``POST /api/analytics/runs``.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from analytics.choices import RunKind, RunStatus
from analytics.selectors import model_card_latest
from khareetaty.accounts.choices import Role
from khareetaty.permissions import STAFF, role_required

ACTING_ROLES = frozenset({Role.ANALYST, Role.SUPERADMIN})
PAGE_STRINGS = {
    "not_available": _("Not available yet."),
    "load_failed": _("Could not load. It will retry."),
    "session_expired": _("Your session has expired."),
    "sign_in_again": _("Sign in again"),
    "accuracy": _("Forecast accuracy"),
    "skill": _("Skill over the best baseline"),
    "vs_baseline": _("best baseline %(n)s"),
    "coverage80": _("Interval coverage, 80%"),
    "coverage95": _("Interval coverage, 95%"),
    "target": _("target %(n)s"),
    "forecast_error": _("Forecast error"),
    "method": _("Method"),
    "method_model": _("Model"),
    "method_prophet": _("Prophet"),
    "method_same_day_last_week": _("Same day last week"),
    "method_trailing_28_day_mean": _("Trailing 28-day mean"),
    "method_risk_map": _("Risk map"),
    "method_counts_28d": _("Cell counts, last 28 days"),
    "method_counts_365d": _("Cell counts, last 365 days"),
    "method_kde_90d": _("Kernel density, last 90 days"),
    "method_risk": _("Risk map"),
    "method_hotspots": _("Hotspots"),
    "no_runs": _("No runs yet."),
    "run": _("Run"),
    "kind": _("Kind"),
    "status": _("Status"),
    "started": _("Started"),
    "duration": _("Duration"),
    "error": _("Error"),
    "run_started": _("Run #%(id)s started."),
    "run_already": _("Run #%(id)s is already running."),
    "evaluation_window": _("Backtest %(start)s → %(end)s, %(folds)s weekly folds"),
    "wape_daily": _("WAPE (daily)"),
    "wape_weekly": _("WAPE (7-day total)"),
    "pai_at": _("PAI at %(share)s of the area"),
    "hit_rate": _("hit rate"),
    "area_budget": _("Area budget"),
    "hotspots_count": _("Hotspots"),
    "pai_baseline_same_area": _("PAI of 365-day counts, same area"),
    "inhabited_area": _("Inhabited area"),
}


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def page_strings() -> dict:
    return {
        **PAGE_STRINGS,
        **{f"kind_{value}": label for value, label in RunKind.choices},
        **{f"run_{value}": label for value, label in RunStatus.choices},
    }


def _model_card() -> dict:
    run = model_card_latest()
    return run.metrics["model_card"] if run else {}


@role_required(STAFF)
def analytics_page(request: HttpRequest) -> HttpResponse:
    """GET /analytics/: model accuracy, hotspot/risk PAI, run history."""
    translation.activate(request.user.preferred_language)
    request.LANGUAGE_CODE = request.user.preferred_language
    config = {
        "lang": request.user.preferred_language,
        "rtl": translation.get_language_bidi(),
        "timeZone": settings.TIME_ZONE,
        "canAct": request.user.role in ACTING_ROLES,
        "user": {"id": request.user.pk, "role": request.user.role},
        "loginUrl": settings.LOGIN_URL,
        "sources": {
            "evaluation": _routed("/api/analytics/evaluation"),
            "runs": _routed("/api/analytics/runs/"),
        },
    }
    return render(
        request,
        "analytics/page.html",
        {
            "config": config,
            "strings": page_strings(),
            "can_act": request.user.role in ACTING_ROLES,
            "model_card": _model_card(),
        },
    )
