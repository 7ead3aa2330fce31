"""The map answers a real mouse: hotspots, region tooltips and incidents are each reachable
by clicking or hovering at their place, with the incidents layer on and off."""

import pytest

from khareetaty.accounts.choices import Language, Role
from tests.browser.pointer import click_map, hover_map
from tests.browser.world import analytics_build, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Inside the first hotspot (centre 47.982, 29.371, half-width 0.006) and away from its
# incident dots at zoom 15.
IN_HOTSPOT = (29.3655, 47.9865)
# In the Capital region, outside both hotspots and away from any incident.
IN_REGION_ONLY = (29.3745, 47.9715)
VIEW = "/dashboard/?period=all&at=29.3710,47.9820,15"


@pytest.fixture
def world(transactional_db):
    built = world_build()
    built.analytics = analytics_build(built)
    return built


def open_dashboard(open_page, make_user):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, VIEW)
    page.wait_for_selector("body[data-ready='1']")
    return page


def hotspot_opens_with_a_click(page, hotspot) -> None:
    click_map(page, *IN_HOTSPOT)
    page.wait_for_selector(f"#detail:not([hidden]) h2:has-text('Hotspot #{hotspot.pk}')")
    assert page.locator("#detail button:has-text('Create task')").is_visible()


def test_hotspot_region_and_incident_answer_real_clicks(world, open_page, make_user):
    page = open_dashboard(open_page, make_user)
    assert page.get_attribute("#map", "data-layer-kind") == "points"
    hotspot_opens_with_a_click(page, world.analytics["hotspots"][0])
    page.click("#detail .close")

    hover_map(page, *IN_REGION_ONLY)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == world.regions["KW-KU"].name_en

    incident = world.incidents[0]
    click_map(page, incident.geom.y, incident.geom.x)
    page.wait_for_selector(f"#detail h2:has-text('Incident #{incident.pk}')")


def test_hotspot_answers_a_click_with_the_incidents_layer_off(world, open_page, make_user):
    page = open_dashboard(open_page, make_user)
    page.locator(".leaflet-control-layers-overlays label", has_text="Incidents").locator(
        "input"
    ).click()
    assert not page.locator(
        ".leaflet-control-layers-overlays label:has-text('Incidents') input"
    ).is_checked()
    hotspot_opens_with_a_click(page, world.analytics["hotspots"][0])
