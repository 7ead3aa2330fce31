"""Shift handover in a real browser: the outgoing analyst (English) types the shift and
notes, previews and signs off; the incoming one (Arabic) acknowledges with a click. Also the
response measures section on the Analytics page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from briefings.models import Handover
from briefings.tests.factories import alert_with_waits
from khareetaty.accounts.choices import Language, Role
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KUWAIT = ZoneInfo("Asia/Kuwait")


def _typed(moment: dt.datetime) -> str:
    return moment.astimezone(KUWAIT).strftime("%d/%m/%Y %H:%M")


def test_outgoing_signs_off_and_incoming_acknowledges(open_page, make_user, transactional_db):
    now = timezone.now()
    alert_with_waits(ack=90, first_seen_at=now - dt.timedelta(hours=2), title_en="Burglary cluster")
    alert_with_waits(first_seen_at=now - dt.timedelta(hours=1), title_en="Theft spike")
    alert_with_waits(first_seen_at=now - dt.timedelta(hours=20))  # before this shift
    outgoing = make_user(Role.ANALYST, username="night-lead", preferred_language=Language.ENGLISH)
    incoming = make_user(Role.ANALYST, username="day-lead", preferred_language=Language.ARABIC)

    page = open_page(outgoing, "/handover/")
    start = page.locator("#shift-start")
    start.click()
    start.press("Control+a")
    start.press_sequentially(_typed(now - dt.timedelta(hours=6)))
    end = page.locator("#shift-end")
    end.click()
    end.press("Control+a")
    end.press_sequentially(_typed(now + dt.timedelta(minutes=1)))
    page.get_by_role("button", name="Show the summary").click()
    summary = page.locator("#handover-summary")
    summary.get_by_text("Alerts raised").wait_for()
    assert "Burglary cluster" in summary.inner_text() or "2" in summary.inner_text()
    page.locator("#handover-notes").press_sequentially("Watch Salmiya block 10")
    page.get_by_role("button", name="Sign off", exact=True).click()
    page.locator("[data-handover]").get_by_text("Watch Salmiya block 10").wait_for()

    handover = Handover.objects.get()
    assert handover.outgoing == outgoing and handover.notes == "Watch Salmiya block 10"
    assert handover.summary["alerts_raised"] == 2 and handover.summary["alerts_acknowledged"] == 1
    # The outgoing supervisor cannot take over their own shift: no button for them.
    assert page.locator("[data-acknowledge]").count() == 0

    page = open_page(incoming, "/handover/")
    page.get_by_role("button", name="استلم المناوبة").click()
    page.locator("[data-acknowledge]").wait_for(state="detached")
    assert "day-lead" in page.locator("[data-handover]").inner_text()
    handover.refresh_from_db()
    assert handover.incoming == incoming and handover.acknowledged_at is not None
    assert set(ActionLog.objects.values_list("action", flat=True)) >= {
        "handover.sign_off",
        "handover.acknowledge",
    }


def test_analytics_page_shows_response_times(open_page, make_user, transactional_db):
    now = timezone.now()
    alert_with_waits(ack=60, first_seen_at=now - dt.timedelta(days=1))
    alert_with_waits(ack=180, first_seen_at=now - dt.timedelta(days=2))
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/analytics/")
    section = page.locator("#response-measures")
    section.get_by_text("Time to acknowledge an alert").wait_for()
    # Median of 60 s and 180 s: 120 s = 2.0 min; 90th percentile 168 s = 2.8 min.
    row = section.locator("tr", has_text="Time to acknowledge an alert")
    assert row.inner_text().split("\t")[1:] == ["All", "2", "2.0 min", "2.8 min"]
    page.locator("#measures-by").select_option("severity")
    section.locator("tr", has_text="High").wait_for()


def test_dashboard_and_briefings_print_without_controls(open_page, make_user, transactional_db):
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/dashboard/")
    page.locator("#map").wait_for()
    assert page.locator("header.topbar").is_visible() and page.locator("#filters").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("#filters").is_visible()
    assert page.locator("#map").is_visible() and page.locator("#kpis").is_visible()
    page = open_page(viewer, "/briefings/")
    page.emulate_media(media="print")
    assert not page.locator("#briefing-subscribe").is_visible()
    assert page.locator("#briefing-archive").is_visible()
