"""The dashboard map, as a person uses it: the legend of each layer and mode, the layer
control on a phone, going to a place by typing its name, the time slider's playback, the
comparison with the previous period (checked against a direct count) and the state a
reload or a shared link restores. Real clicks, typing and keys; English and Arabic."""

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident, Place
from incidents.tests.factories import IncidentFactory
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import PHONE, screenshot
from tests.browser.world import analytics_build, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KUWAIT = ZoneInfo("Asia/Kuwait")
LANGUAGES = [Language.ENGLISH, Language.ARABIC]


@pytest.fixture
def world(transactional_db):
    return world_build()


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']")


def url_state(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_for_url(page, check, timeout: float = 10) -> dict[str, str]:
    """Poll the page's URL (the CSP forbids wait_for_function's eval) until check(state)."""
    deadline = time.monotonic() + timeout
    while not check(url_state(page)):
        assert time.monotonic() < deadline, f"URL never matched: {page.url}"
        page.wait_for_timeout(100)
    return url_state(page)


def view(state: dict[str, str]) -> tuple[float, float, int]:
    lat, lon, zoom = state["at"].split(",")
    return float(lat), float(lon), int(zoom)


def map_count(page) -> int:
    return int(page.get_attribute("#map", "data-incidents"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_legend_follows_the_layers_and_the_incident_mode(world, make_user, open_page, language):
    analytics_build(world)
    page = open_page(make_user(Role.ANALYST, preferred_language=language), "/dashboard/?period=all")
    wait_ready(page)
    legend = page.locator(".map-legend")
    for key in ("regions", "incidents-cluster", "hotspots"):
        legend.locator(f"[data-legend='{key}']").wait_for()
    assert legend.locator("[data-legend='risk']").count() == 0
    assert legend.locator("[data-legend='hotspots'] li").count() == 4  # the four trends

    page.locator(".leaflet-control-layers-overlays input").nth(3).check()  # the risk grid
    legend.locator("[data-legend='risk']").wait_for()
    page.select_option("select[name=mode]", "heat")
    legend.locator("[data-legend='incidents-heat']").wait_for()
    assert legend.locator("[data-legend='incidents-cluster']").count() == 0
    page.locator(".leaflet-control-layers-overlays input").nth(2).uncheck()  # hotspots
    legend.locator("[data-legend='hotspots']").wait_for(state="detached")
    screenshot(page, f"map-legend-{language}")


def test_on_a_phone_the_layer_control_opens_from_its_button(world, make_user, open_page):
    page = open_page(
        make_user(Role.VIEWER, preferred_language=Language.ENGLISH),
        "/dashboard/?period=all",
        viewport=PHONE,
    )
    wait_ready(page)
    toggle = page.locator(".map-key-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".leaflet-control-layers-overlays").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator(".leaflet-control-layers-overlays input").nth(3).check()
    page.wait_for_selector("#map[data-risk]")
    page.locator(".map-legend [data-legend='risk']").wait_for()
    screenshot(page, "map-key-phone")
    toggle.click()
    assert not page.locator(".map-legend").is_visible()


def test_choosing_a_region_zooms_to_it_and_none_fits_all_regions_like_the_default_view(
    world, make_user, open_page
):
    page = open_page(
        make_user(Role.VIEWER, preferred_language=Language.ENGLISH), "/dashboard/?period=all"
    )
    wait_ready(page)
    assert "at" not in url_state(page)  # the default view: fitted to the regions
    page.click("summary:has-text('Regions')")
    page.check("input[name=region][value='KW-HA']")
    lat, lon, _zoom = view(
        wait_for_url(page, lambda s: s.get("region") == "KW-HA" and "at" in s and view(s)[2] >= 10)
    )
    assert world.regions["KW-HA"].geom.contains(Point(lon, lat, srid=4326))
    page.uncheck("input[name=region][value='KW-HA']")
    lat, lon, _zoom = view(wait_for_url(page, lambda s: "region" not in s and view(s)[2] <= 8))
    assert 46.55 < lon < 48.43 and 28.52 < lat < 30.10


@pytest.mark.parametrize(
    ("language", "typed", "key"),
    [(Language.ENGLISH, "Salmiya block 10", None), (Language.ARABIC, "السالمية قطعة 10", "Enter")],
)
def test_typing_a_block_and_choosing_it_zooms_the_map_to_its_outline(
    world, make_user, open_page, settings, tmp_path, language, typed, key
):
    settings.VAR_DIR = tmp_path
    call_command("setup_gazetteer_demo")
    page = open_page(make_user(Role.ANALYST, preferred_language=language), "/dashboard/?period=all")
    wait_ready(page)
    assert page.get_attribute("#map", "data-places") == "0"  # no outlines at country zoom
    box = page.locator("#place-search")
    box.click()
    box.press_sequentially(typed, delay=30)
    option = page.locator(".place-option[data-code='KW-HA-salmiya-10']")
    option.wait_for()
    if key:
        box.press(key)
    else:
        option.click()
    page.wait_for_selector("#map[data-place='KW-HA-salmiya-10']")
    zoom = int(url_state(page)["at"].split(",")[2])
    lat, lon, _ = (float(v) for v in url_state(page)["at"].split(","))
    block = Place.objects.get(code="KW-HA-salmiya-10")
    assert zoom >= 14 and block.geom.contains(Point(lon, lat, srid=4326))
    assert int(page.get_attribute("#map", "data-places")) > 2  # the area and its blocks
    page.locator(".leaflet-tooltip.place-label.block").first.wait_for()
    screenshot(page, f"gazetteer-block-{language}")


def test_the_time_slider_plays_hour_by_hour_and_pauses(world, make_user, open_page):
    now = timezone.now()
    for hours in (23.5, 22.5, 22.4, 21.5, 21.4, 21.3):  # 1, 2, 3 incidents in early hours
        IncidentFactory(
            occurred_at=now - dt.timedelta(hours=hours),
            geom=Point(47.98, 29.37, srid=4326),
            category=world.categories["theft"],
            region=world.regions["KW-KU"],
        )
    page = open_page(
        make_user(Role.ANALYST, preferred_language=Language.ENGLISH), "/dashboard/?period=24h"
    )
    wait_ready(page)
    whole = map_count(page)
    page.click(".time-play")
    assert page.get_attribute(".time-play", "aria-pressed") == "true"
    seen = set()
    deadline = time.monotonic() + 25
    while len(seen) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if page.get_attribute(".time-slider", "data-step"):
            seen.add(map_count(page))
    page.click(".time-play")  # pause
    assert page.get_attribute(".time-play", "aria-pressed") == "false"
    assert len(seen) >= 3 and max(seen) < whole, seen
    held = page.get_attribute(".time-slider", "data-step")
    page.wait_for_timeout(2500)
    assert page.get_attribute(".time-slider", "data-step") == held
    assert url_state(page)["t"]


def _week_windows() -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The slider's 7-day range: up to the end of today in Kuwait; the week before it."""
    today = timezone.now().astimezone(KUWAIT).date()
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=KUWAIT)
    return end - dt.timedelta(days=14), end - dt.timedelta(days=7), end


@pytest.mark.parametrize("language", LANGUAGES)
def test_compare_with_the_previous_week_shows_the_counts_of_a_direct_count(
    world, make_user, open_page, language
):
    before, start, end = _week_windows()
    for days in (8, 9, 9.5, 12, 13):
        IncidentFactory(
            occurred_at=start - dt.timedelta(days=days - 7),
            geom=Point(48.03, 29.335, srid=4326),
            category=world.categories["theft"],
            region=world.regions["KW-HA"],
        )
    current = Incident.objects.filter(occurred_at__gte=start, occurred_at__lt=end).count()
    previous = Incident.objects.filter(occurred_at__gte=before, occurred_at__lt=start).count()
    assert previous >= 5 and current != previous
    page = open_page(make_user(Role.VIEWER, preferred_language=language), "/dashboard/?period=7d")
    wait_ready(page)
    page.click("#time-compare")
    counts = page.locator(".compare-counts")
    counts.wait_for()
    page.wait_for_selector(".compare-counts[data-current]")
    assert (
        int(counts.get_attribute("data-current")),
        int(counts.get_attribute("data-previous")),
    ) == (
        current,
        previous,
    )
    assert int(page.get_attribute("#map", "data-change")) > 0
    page.locator(".map-legend [data-legend='change']").wait_for()
    screenshot(page, f"compare-{language}")


def test_a_reload_restores_range_step_layers_region_and_comparison(world, make_user, open_page):
    page = open_page(make_user(Role.ANALYST, preferred_language=Language.ENGLISH), "/dashboard/")
    wait_ready(page)
    page.select_option("select[name=period]", "7d")
    page.click("summary:has-text('Regions')")
    page.check("input[name=region][value='KW-KU']")
    slider = page.locator("#time-slider")
    slider.focus()
    for _ in range(2):
        slider.press("ArrowLeft")
    page.click("#time-compare")
    page.locator(".leaflet-control-layers-overlays input").nth(2).uncheck()  # hotspots
    page.wait_for_selector(".compare-counts[data-current]")
    step = page.get_attribute(".time-slider", "data-step")
    label = page.inner_text(".time-label")
    assert step == "4"
    wait_for_url(page, lambda s: s.get("compare") == "1" and "hotspots" not in s.get("layers", ""))
    shared = page.url

    page.reload()
    wait_ready(page)
    page.wait_for_selector(f".time-slider[data-step='{step}']")
    assert page.inner_text(".time-label") == label
    assert page.locator("select[name=period]").input_value() == "7d"
    assert page.locator("input[name=region][value='KW-KU']").is_checked()
    assert page.locator("#time-compare").is_checked()
    assert not page.locator(".leaflet-control-layers-overlays input").nth(2).is_checked()
    page.wait_for_selector(".compare-counts[data-current]")
    assert url_state(page)["t"] == parse_qs(urlsplit(shared).query)["t"][0]


def test_a_step_before_the_first_hotspot_run_shows_no_hotspots_and_the_whole_range_the_latest(
    world, make_user, open_page
):
    analytics_build(world)  # one hotspot run, finished now, with two hotspots
    page = open_page(
        make_user(Role.ANALYST, preferred_language=Language.ARABIC), "/dashboard/?period=7d"
    )
    wait_ready(page)
    page.wait_for_selector("#map[data-hotspots='2']")
    slider = page.locator("#time-slider")
    slider.focus()
    slider.press("Home")  # seven days ago: no run had finished yet
    page.wait_for_selector(".time-slider[data-step='0']")
    page.wait_for_selector("#map[data-hotspots='0']")
    slider.press("End")  # today: the run has finished by the end of the step
    page.wait_for_selector(".time-slider[data-step='6']")
    page.wait_for_selector("#map[data-hotspots='2']")
    page.click(".time-whole")
    page.wait_for_selector("#map[data-hotspots='2']")
    assert page.get_attribute(".time-slider", "data-step") == ""
