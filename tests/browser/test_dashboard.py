"""The command dashboard in a real browser (Debian's Chromium, headless)."""

import json
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import screenshot
from tests.browser.pointer import click_map
from tests.browser.world import PLACES, analytics_build, in_period, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return world_build()


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']")


def map_count(page) -> int:
    return int(page.get_attribute("#map", "data-incidents"))


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.ANALYST, "/dashboard/"),
        (Role.VIEWER, "/dashboard/"),
        (Role.SUPERADMIN, "/dashboard/"),
        (Role.FIELD_SUPERVISOR, "/field/"),
    ],
)
def test_each_role_signs_in_through_the_form_and_lands_on_its_page(
    world, make_user, open_page, role, landing
):
    user = make_user(role, preferred_language=Language.ENGLISH)
    page = open_page(user, "/", login="form")
    screenshot(page, f"signed-in-{role}")
    # The path only: the dashboard writes its view into the query string once it loads.
    page.wait_for_url(lambda url: urlsplit(url).path == landing)
    assert user.username in page.inner_text(".topbar")
    assert page.locator("html").get_attribute("dir") == "ltr"


def test_map_shows_regions_incidents_hotspots_and_the_forecast(world, make_user, open_page):
    analytics_build(world)
    user = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    assert int(page.get_attribute("#map", "data-regions")) == len(world.regions)
    assert map_count(page) == len(PLACES)
    assert int(page.get_attribute("#map", "data-hotspots")) == 2
    assert page.get_attribute("#forecast-chart", "data-forecast-days") == "7"
    assert "84" in page.inner_text("[data-kpi=accuracy]")
    assert "83.2" in page.inner_text("[data-kpi=accuracy]")

    # Hotspot detail (a real click at its place, zoomed in): trend, categories, incidents.
    page.goto("/dashboard/?period=all&at=29.3710,47.9820,15")
    wait_ready(page)
    click_map(page, 29.3655, 47.9865)
    page.wait_for_selector("#detail .hotspot-incidents li")
    detail = page.inner_text("#detail")
    assert "Hotspot #" in detail
    assert "Incidents in this hotspot" in detail
    assert "Theft" in detail
    # Incident detail from the incidents API, from the hotspot's list of incidents.
    page.click(f"#detail .hotspot-incidents a:has-text('#{world.incidents[0].pk}')")
    page.wait_for_selector(f"#detail h2:has-text('Incident #{world.incidents[0].pk}')")
    assert "Theft" in page.inner_text("#detail")
    # The risk grid is off until switched on.
    assert page.get_attribute("#map", "data-risk") is None
    page.check(".leaflet-control-layers-overlays label:has-text('Risk grid') input")
    page.wait_for_selector("#map[data-risk='3']")
    # Offline map: no tile layer, a plain background and the boundary attribution.
    assert page.locator(".leaflet-tile").count() == 0
    assert "geoBoundaries" in page.inner_text(".leaflet-control-attribution")
    screenshot(page, "dashboard-analyst")


def test_filters_change_the_map_and_are_kept_in_the_url(world, make_user, open_page):
    user = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    assert map_count(page) == len(PLACES)

    page.select_option("select[name=period]", "24h")
    page.wait_for_selector(f"#map[data-incidents='{in_period(24)}']")
    assert "period=24h" in page.url

    page.click("summary:has-text('Regions')")
    page.check("input[name=region][value='KW-KU']")
    expected = sum(1 for p in PLACES if p[4] <= 24 and p[2] == "KW-KU")
    page.wait_for_selector(f"#map[data-incidents='{expected}']")
    assert "region=KW-KU" in page.url

    shared = page.url
    again = open_page(user, shared)
    wait_ready(again)
    assert map_count(again) == expected
    assert again.is_checked("input[name=region][value='KW-KU']")
    assert again.locator("select[name=period]").input_value() == "24h"


def test_incident_created_through_the_api_appears_live(world, make_user, open_page, asgi_server):
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/dashboard/?period=all")
    wait_ready(page)
    page.wait_for_selector("#live-status[data-state='on']")

    analyst = make_user(Role.ANALYST)
    token = _api_token(asgi_server, analyst.username)
    body = {
        "source": "browser",
        "external_id": "LIVE-1",
        "category": "robbery",
        "occurred_at": "2026-01-01T10:00:00+03:00",
        "lat": 29.37,
        "lon": 47.99,
        "severity": 4,
    }
    _api_post(asgi_server, "/api/incidents/", body, token)
    page.wait_for_selector("#map[data-fresh='1']")
    assert "1" in page.inner_text("#live-count")
    screenshot(page, "dashboard-live-incident")


def test_arabic_page_is_right_to_left_with_mirrored_map_controls(world, make_user, open_page):
    user = make_user(Role.ANALYST, preferred_language=Language.ARABIC)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator(".leaflet-right .leaflet-control-zoom").count() == 1
    assert page.locator(".leaflet-left .leaflet-control-attribution").count() == 1
    screenshot(page, "dashboard-arabic")


def test_language_switch_is_remembered_for_the_user(world, make_user, open_page):
    user = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/")
    page.click(".lang-switch button")
    page.wait_for_selector("html[dir=rtl]")
    user.refresh_from_db()
    assert user.preferred_language == Language.ARABIC


def test_expired_session_asks_to_sign_in_again(world, make_user, open_page, guard):
    guard.allow_error(r"401|403")
    user = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/")
    wait_ready(page)
    Session.objects.all().delete()
    cache.clear()
    page.select_option("select[name=period]", "7d")
    page.wait_for_selector("#session-banner:not([hidden])")
    assert "/accounts/login/?next=" in page.get_attribute("#session-banner a", "href")


def _api_token(base: str, username: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (the local test server)
        base + "/api/auth/login",
        data=json.dumps({"username": username, "password": TEST_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
        return json.load(response)["access"]


def _api_post(base: str, path: str, body: dict, token: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 (the local test server)
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (localhost)
        return json.load(response)


def test_analytics_page_shows_the_evaluation_and_lets_analysts_start_a_run(
    world, make_user, open_page
):
    from analytics.models import ModelRun

    analytics_build(world)
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/analytics/")
    page.wait_for_selector("[data-kpi=accuracy] strong:has-text('84')")
    assert page.locator("#run-button").count() == 0
    assert "Same day last week" in page.inner_text("#forecast-table")
    assert "11" in page.inner_text("#pai-table")

    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, "/analytics/")
    page.wait_for_selector("#runs table")
    before = ModelRun.objects.filter(parent__isnull=True).count()
    page.click("#run-button")
    page.wait_for_selector("#flash:not([hidden])")
    assert ModelRun.objects.filter(parent__isnull=True).count() == before + 1
    screenshot(page, "analytics-analyst")
