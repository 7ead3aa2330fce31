"""Pages of the patrol app: "my patrol" for field supervisors (phone), and the shift
summary command staff export (CSV)."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from commands.permissions import ANALYSTS_AND_FIELD
from commands.views.pages import map_config
from khareetaty.audit.services import audit_record
from khareetaty.pages import render_page, user_language
from khareetaty.permissions import STAFF, role_required
from patrol import selectors

SUMMARY_COLUMNS = [
    "call_sign",
    "shift",
    "shift_start",
    "shift_end",
    "places",
    "stays",
    "planned_minutes",
    "delivered_minutes",
    "adherence",
    "visits",
]


@role_required(ANALYSTS_AND_FIELD)
@user_language
def my_patrol(request):
    """The signed-in supervisor's patrol places, visit windows, check in and out."""
    return render_page(request, "patrol/my.html", config={"map": map_config()})


@role_required(STAFF)
def shift_summary(request, plan_id: int):
    """A plan's summary per unit and shift as CSV: places, stays, minutes planned and
    delivered, adherence, visits. Each export is audited."""
    plan = get_object_or_404(selectors.plan_list(), pk=plan_id)
    rows = selectors.plan_shift_summary(plan=plan)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="patrol-plan-{plan.pk}-summary.csv"'
    writer = csv.DictWriter(response, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    audit_record(
        action="patrol_summary_export",
        actor=request.user,
        obj=plan,
        summary={"rows": len(rows)},
    )
    return response
