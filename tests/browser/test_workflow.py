"""The command workflow end to end, as two people do it with pointer and keyboard, in English
and in Arabic: the analyst sees a hotspot alert, opens it, acknowledges it, brings the
hotspot into view and clicks it on the map, creates a task for a team from it; the field
supervisor, on a phone, accepts it, sends an update with the phone's location and completes
it; the analyst sees the updates and the alert resolved. The live connection of both pages
stays up throughout (no reconnect within 60 s)."""

import time

import pytest
from django.utils import translation

from commands.choices import AlertStatus, RuleKind, Severity
from commands.models import Alert, Task
from commands.services.rules import rules_evaluate_analytics
from commands.tests.factories import AlertRuleFactory, TeamFactory
from khareetaty.accounts.choices import Role
from tests.browser.pointer import click_map
from tests.browser.world import analytics_build, off_the_browser_thread, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_390 = {"width": 390, "height": 844}
HERE = {"latitude": 29.3702, "longitude": 47.9841, "accuracy": 12}
# Inside the "new" hotspot (centre 47.982, 29.371) and clear of its incident dots at zoom 15.
IN_HOTSPOT = (29.3655, 47.9865)
LIVE_FOR_SECONDS = 60


@pytest.fixture
def hotspot_alert(transactional_db):
    world = world_build()
    built = analytics_build(world)
    hotspot = built["hotspots"][0]
    AlertRuleFactory(kind=RuleKind.HOTSPOT, severity=Severity.HIGH, params={"trends": ["new"]})
    alerts = off_the_browser_thread(rules_evaluate_analytics, run_id=hotspot.run_id)
    assert [a.hotspot_id for a in alerts] == [hotspot.pk]
    return alerts[0], hotspot


def settle(page, zoom: int) -> None:
    """Wait (reading only) until the map has flown to ``zoom`` and stopped."""
    deadline = time.monotonic() + 10
    while page.evaluate("KHDashboard.map.getZoom()") != zoom:
        assert time.monotonic() < deadline, "the map did not fly to the hotspot"
        page.wait_for_timeout(100)
    page.wait_for_timeout(400)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_alert_to_task_to_field_and_back_with_the_live_connection_up(
    hotspot_alert, make_user, open_page, guard, language
):
    alert, hotspot = hotspot_alert
    analyst = make_user(Role.ANALYST, preferred_language=language)
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=language)
    team = TeamFactory(slug="patrol-capital", name_en="Capital patrol", name_ar="دورية العاصمة")
    team.members.add(supervisor)

    # The analyst sees the alert, opens it and acknowledges it.
    page = open_page(analyst, "/dashboard/")
    started = time.monotonic()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#live-status[data-state='on']")
    assert page.locator("html").get_attribute("lang") == language
    page.locator(f"[data-alert-id='{alert.pk}'] .open-alert").click()
    panel = page.locator("#detail .alert-panel")
    panel.wait_for()
    panel.locator("button.ack").click()
    page.wait_for_selector("#detail .alert-panel[data-status='acknowledged']")

    # ... brings its hotspot into view, clicks it on the map and dispatches a team from it.
    panel.locator("button.show-hotspot").click()
    settle(page, 15)
    click_map(page, *IN_HOTSPOT)
    page.locator("#detail .hotspot-alert").wait_for()
    page.locator("#detail button.create-task").click()
    page.locator("#task-team").select_option("patrol-capital")
    page.locator("#task-priority").select_option("high")
    page.locator("#task-dialog button[value=save]").click()
    page.locator("#detail .task-panel").wait_for()
    task = Task.objects.get(alert=alert)
    assert task.hotspot_id == hotspot.pk
    assert task.assignee_team == team
    assert task.geom is not None

    # The field supervisor, on a phone with its location, accepts, reports and completes.
    phone = open_page(supervisor, "/field/", viewport=PHONE_390, geolocation=HERE)
    phone.locator(f".task-item[data-task-id='{task.pk}'] a").click()
    phone.locator("#status-buttons button[data-status='accepted']").click()
    phone.wait_for_selector("#task[data-status='accepted']")
    phone.wait_for_selector("body[data-queued='0']", state="attached")
    phone.locator("#update-note").click()
    phone.keyboard.type("Two shops closed, area quiet")
    phone.locator("#update-form button[type=submit]").click()
    phone.wait_for_selector("#task-updates li:has-text('Two shops closed')")
    phone.locator("#status-buttons button[data-status='done']").click()
    phone.wait_for_selector("#task[data-status='done']")
    phone.wait_for_selector("body[data-queued='0']", state="attached")

    # The analyst's open task panel follows live: the updates, where they were sent from, and
    # the alert resolved by the completed task.
    page.wait_for_selector("#detail .task-panel[data-status='done']", timeout=15_000)
    assert page.locator("#detail .timeline li[data-located='1']").count() == 3
    assert page.get_attribute("#map", "data-track") == "3"
    with translation.override(language):
        resolved = str(AlertStatus.RESOLVED.label)
    assert page.locator("#detail .task-alert .badge").inner_text() == resolved
    page.wait_for_selector(f"[data-alert-id='{alert.pk}']", state="detached")
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.RESOLVED
    task.refresh_from_db()
    assert task.status == "done"
    assert task.updates.filter(geom__isnull=False).count() == 3

    # Still the first connection of each page after a minute.
    remaining = LIVE_FOR_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        page.wait_for_timeout(remaining * 1000)
    assert page.get_attribute("#live-status", "data-opens") == "1"
    assert page.get_attribute("#live-status", "data-state") == "on"
    assert phone.get_attribute("#live-status", "data-opens") == "1"
    # One socket for the dashboard, one per field page (list, then task).
    assert len(guard.websockets) == 3
