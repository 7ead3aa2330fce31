"""The dashboard's smaller promises, by pointer and keyboard: the forecast chart does not
draw today's partial count as a cliff, resolve asks in a page dialog and confirms, toasts
leave by themselves, the due time is typed in the page's day/month order, and Arabic pages
use one digit system with rounded scores."""

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.models import Task
from commands.services.alerts import alert_create_manual
from commands.tests.factories import TeamFactory
from incidents.tests.factories import IncidentFactory
from khareetaty.accounts.choices import Language, Role
from tests.browser.pointer import click_map
from tests.browser.world import analytics_build, off_the_browser_thread, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture
def world(transactional_db):
    built = world_build()
    IncidentFactory(
        geom=Point(47.98, 29.37, srid=4326),
        region=built.regions["KW-KU"],
        category=built.categories["theft"],
        occurred_at=timezone.now() - dt.timedelta(minutes=1),
    )
    built.analytics = analytics_build(built)
    return built


def test_forecast_chart_marks_today_as_partial_instead_of_ending_the_line(
    world, make_user, open_page
):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, "/dashboard/?period=all")
    page.wait_for_selector("#forecast-chart[data-partial='1']")
    assert page.locator("#forecast-chart circle.partial").count() == 1
    history_end = page.locator("#forecast-chart path.history").get_attribute("d").split("L")[-1]
    dot = page.locator("#forecast-chart circle.partial")
    assert history_end.split(",")[0] != dot.get_attribute("cx")


def test_resolve_asks_in_a_page_dialog_and_confirms(world, make_user, open_page):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    alert = off_the_browser_thread(
        alert_create_manual, actor=analyst, severity="high", title_en="Stolen cars"
    )
    page = open_page(analyst, "/dashboard/")
    page.on("dialog", lambda dialog: pytest.fail(f"browser dialog {dialog.type}"))
    page.locator(f"[data-alert-id='{alert.pk}'] button.resolve").click()
    page.locator("#resolve-dialog").wait_for()
    page.locator("#resolve-note").click()
    page.keyboard.type("Cars found, owners informed")
    page.locator("#resolve-dialog button[value=save]").click()
    toast = page.locator("#flash")
    toast.wait_for()
    assert toast.inner_text() == "Alert resolved."
    page.wait_for_selector(f"[data-alert-id='{alert.pk}']", state="detached")
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert alert.resolution_note == "Cars found, owners informed"
    # The toast lets clicks through and leaves by itself.
    assert toast.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    toast.wait_for(state="hidden", timeout=6_000)


def test_due_time_is_typed_day_first_and_a_wrong_one_is_explained(world, make_user, open_page):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    TeamFactory(slug="patrol-1", name_en="Patrol One")
    alert = off_the_browser_thread(
        alert_create_manual, actor=analyst, severity="high", title_en="Fights at night"
    )
    page = open_page(analyst, "/dashboard/")
    page.locator(f"[data-alert-id='{alert.pk}'] button.task").click()
    due = page.locator("#task-due")
    assert due.get_attribute("type") == "text"
    assert "dd/mm/yyyy" in due.get_attribute("placeholder")
    page.locator("#task-team").select_option("patrol-1")
    due.fill("31/13/2030 10:00")
    page.locator("#task-dialog button[value=save]").click()
    assert "dd/mm/yyyy" in page.locator("#task-dialog .error").inner_text()
    due.fill("03/04/2030 10:15")
    page.locator("#task-dialog button[value=save]").click()
    page.locator("#detail .task-panel").wait_for()
    task = Task.objects.get(alert=alert)
    local = timezone.localtime(task.due_at)
    assert (local.day, local.month, local.year, local.hour, local.minute) == (3, 4, 2030, 10, 15)


def test_arabic_dashboard_uses_arabic_digits_and_rounded_scores(world, make_user, open_page):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ARABIC)
    page = open_page(analyst, "/dashboard/?period=all&at=29.3710,47.9820,15")
    page.wait_for_selector("body[data-ready='1']")
    for selector in ("#kpis", "#map-status", "#forecast-chart", "#tasks"):
        text = page.inner_text(selector)
        assert not LATIN_DIGIT.search(text), f"{selector}: {text!r}"
    click_map(page, 29.3655, 47.9865)
    page.locator("#detail .hotspot-incidents li").first.wait_for()
    facts = page.inner_text("#detail .facts")
    assert not LATIN_DIGIT.search(facts), facts
    assert "\u0667\u066b\u0665" in facts  # score 7.5: one decimal, Arabic-Indic digits
    assert not LATIN_DIGIT.search(page.locator("#detail h2").inner_text())  # "Hotspot #N"
