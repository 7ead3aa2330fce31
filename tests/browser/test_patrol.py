"""Patrol faces in a real browser: "my patrol" at phone size and the dashboard plan layer."""

import pytest
from django.contrib.gis.geos import Point

from khareetaty.accounts.choices import Language, Role
from patrol.models import Visit
from patrol.services.plans import plan_generate, plan_publish
from patrol.tests.factories import ShiftFactory, capital, risk_map
from tests.browser.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(make_user):
    region = capital()
    risk_map({(c, r): 1.0 + c + r for c in range(6) for r in range(6)})
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=Language.ENGLISH)
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    shift = ShiftFactory(unit__team__members=[supervisor], patrol_minutes=120)
    shift.regions.set([region])
    plan = plan_generate(
        profile="kuwait", window_start=shift.start, window_end=shift.end, seed=2, time_limit_s=2
    )
    plan_publish(plan=plan, actor=analyst)
    return supervisor, analyst, plan


def test_my_patrol_checks_in_with_location_at_phone_size(published, open_page):
    supervisor, _analyst, plan = published
    item = plan.items.order_by("unit__call_sign", "id").first()
    centre = item.place.centroid
    here = {"latitude": centre.y, "longitude": centre.x, "accuracy": 10}
    page = open_page(supervisor, "/patrol/my/", viewport=PHONE, geolocation=here)
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'] button.check-in")
    assert page.locator(".patrol-item").count() == plan.items.count()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click(f".patrol-item[data-item-id='{item.pk}'] button.check-in")
    page.wait_for_selector(
        f".patrol-item[data-item-id='{item.pk}'][data-checked-in='1'] button.check-out"
    )
    visit = Visit.objects.get()
    assert visit.item == item and visit.geom.distance(Point(centre.x, centre.y, srid=4326)) < 1e-6
    screenshot(page, "my-patrol-phone")
    page.click(f".patrol-item[data-item-id='{item.pk}'] button.check-out")
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'][data-checked-in='0']")
    visit.refresh_from_db()
    assert visit.departure is not None


def test_dashboard_plan_layer_draws_the_published_places(published, open_page):
    _supervisor, analyst, plan = published
    page = open_page(analyst, "/dashboard/")
    page.check(".leaflet-control-layers-overlays label:has-text('Patrol plan') input")
    page.wait_for_function("() => +(document.getElementById('map').dataset.patrol || 0) > 0")
    assert int(page.get_attribute("#map", "data-patrol")) == plan.items.count()
