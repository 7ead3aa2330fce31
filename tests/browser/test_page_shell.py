"""The page shell in a real browser: dates in the served profile's time zone (not the
browser's, not a fixed +03:00) and the page's words from the JavaScript catalogue."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation
from django.utils.translation import gettext

import incidents.profiles
from commands.services.field_tasks import task_create
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import PHONE
from tests.browser.world import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 03:30 UTC on 10 January: 21:30 on the 9th in Chicago, 06:30 on the 10th in Kuwait (and in
# the browser, which runs in Asia/Kuwait).
DUE = dt.datetime(2027, 1, 10, 3, 30, tzinfo=dt.UTC)


@pytest.fixture
def chicago_task(transactional_db, make_user, monkeypatch):
    monkeypatch.setattr(incidents.profiles, "DEFAULT_PROFILE", "chicago")
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=Language.ENGLISH)
    task = task_create(
        actor=make_user(Role.ANALYST),
        title="Check the loading dock",
        priority="high",
        due_at=DUE,
        assignee_user=supervisor,
        geom=Point(-87.63, 41.88, srid=4326),
    )
    return supervisor, task


def test_dates_are_shown_in_the_served_profiles_time_zone(open_page, chicago_task):
    supervisor, task = chicago_task
    page = open_page(supervisor, "/field/", viewport=PHONE)
    item = page.locator(f".task-item[data-task-id='{task.pk}']")
    item.wait_for()
    assert "9 Jan 2027, 21:30" in item.inner_text()
    item.locator("a").click()
    page.wait_for_selector("#task-meta:has-text('21:30')")
    meta = page.inner_text("#task-meta")
    assert "9 Jan 2027, 21:30" in meta
    assert "06:30" not in meta


def test_the_dashboard_words_come_from_the_catalogue_in_arabic(
    open_page, make_user, transactional_db
):
    world_build()
    viewer = make_user(Role.VIEWER, preferred_language=Language.ARABIC)
    page = open_page(viewer, "/dashboard/")
    page.wait_for_selector("body[data-ready='1']")
    with translation.override("ar"):
        expected = gettext("Open alerts"), gettext("Hotspots"), gettext("Zoom in")
    assert expected[0] != "Open alerts"
    assert page.inner_text("[data-kpi=alerts] .kpi-label") == expected[0]
    assert expected[1] in page.inner_text(".leaflet-control-layers")
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == expected[2]
