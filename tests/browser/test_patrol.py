"""Patrol faces in a real browser: "my patrol" at phone size and the dashboard plan layer."""

import pytest
from django.contrib.gis.geos import Point

from khareetaty.accounts.choices import Language, Role
from khareetaty.audit.models import ActionLog
from patrol.models import Visit
from patrol.services.evaluation import backtest_store
from patrol.services.plans import plan_generate, plan_publish
from patrol.services.visits import visit_check_in
from patrol.tests.factories import ShiftFactory, capital, risk_map
from tests.browser.conftest import PHONE, screenshot
from tests.browser.world import off_the_browser_thread

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


def test_my_patrol_is_reached_from_the_field_home_and_maps_the_places_at_phone_size(
    published, open_page
):
    supervisor, _analyst, plan = published
    item = plan.items.order_by("unit__call_sign", "id").first()
    centre = item.place.centroid
    here = {"latitude": centre.y, "longitude": centre.x, "accuracy": 10}
    page = open_page(supervisor, "/field/", viewport=PHONE, geolocation=here)
    page.click("#my-patrol-link")
    page.wait_for_url("**/patrol/my/")
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'] button.check-in")
    assert page.locator(".patrol-item").count() == plan.items.count()
    # every place is drawn on the small map (one outline each), without internet tiles
    page.wait_for_selector(f"#patrol-map[data-places='{plan.items.count()}']")
    assert page.locator("#patrol-map path.leaflet-interactive").count() == plan.items.count()
    assert page.locator("#patrol-map.no-tiles").count() == 1
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


def test_check_in_made_offline_is_applied_once_when_the_network_returns(
    published, open_page, guard
):
    guard.allow_error(r"ERR_INTERNET_DISCONNECTED|ERR_FAILED|WebSocket")
    supervisor, _analyst, plan = published
    item = plan.items.order_by("unit__call_sign", "id").first()
    centre = item.place.centroid
    here = {"latitude": centre.y, "longitude": centre.x, "accuracy": 10}
    page = open_page(supervisor, "/patrol/my/", viewport=PHONE, geolocation=here)
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'] button.check-in")

    page.context.set_offline(True)
    page.click(f".patrol-item[data-item-id='{item.pk}'] button.check-in")
    page.wait_for_selector("body[data-queued='1']", state="attached")
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'][data-checked-in='queued']")
    assert page.is_visible("#queue-status")
    assert not Visit.objects.exists()

    # Back online, the first send reaches the server but its answer is lost: the phone keeps
    # the check-in queued and sends it again with the same idempotency key.
    posts = []

    def lose_the_first_answer(route, request):
        key = request.post_data_json["idempotency_key"]
        if not posts:
            route.fetch()  # the server applies it ...
            posts.append(key)
            route.abort()  # ... and the phone never hears back
        else:
            posts.append(key)
            route.continue_()

    page.route("**/api/patrol/items/*/check-in*", lose_the_first_answer)
    page.context.set_offline(False)
    for _ in range(100):
        if posts:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)
    assert len(posts) == 1 and Visit.objects.count() == 1
    assert page.evaluate("document.body.dataset.queued") == "1"
    page.context.set_offline(True)  # the next "online" event sends the queue again
    page.context.set_offline(False)
    page.wait_for_selector("body[data-queued='0']", state="attached", timeout=15_000)
    page.wait_for_selector(f".patrol-item[data-item-id='{item.pk}'][data-checked-in='1']")
    assert len(posts) == 2 and posts[0] == posts[1]
    assert Visit.objects.count() == 1
    assert ActionLog.objects.filter(action="patrol_check_in").count() == 1


def test_dashboard_plan_layer_draws_the_published_places(published, open_page):
    supervisor, analyst, plan = published
    page = open_page(analyst, "/dashboard/")
    page.check(".leaflet-control-layers-overlays label:has-text('Patrol plan') input")
    page.wait_for_function("() => +(document.getElementById('map').dataset.patrol || 0) > 0")
    assert int(page.get_attribute("#map", "data-patrol")) == plan.items.count()
    # the side card: one timeline bar per window, adherence per unit and shift, the export
    windows = sum(len(i.windows) for i in plan.items.all())
    page.wait_for_selector(f"#patrol-timeline[data-bars='{windows}']")
    assert page.locator("#patrol-timeline .timeline-bar").count() == windows
    assert page.locator("#patrol-adherence tbody tr").count() == 1
    href = page.get_attribute("#patrol-summary", "href")
    assert href == f"/patrol/plans/{plan.pk}/summary.csv"
    page.wait_for_selector("#patrol-checkins[data-count='0']", state="attached")
    page.wait_for_selector("#live-status[data-state='on']", state="attached")
    # a check-in in the field reaches the open dashboard over the live feed
    item = plan.items.first()
    off_the_browser_thread(
        visit_check_in, item=item, actor=supervisor, geom=item.place.centroid, key="live-1"
    )
    page.wait_for_selector("#patrol-checkins[data-count='1']", state="attached", timeout=20_000)
    assert page.locator("#patrol-checkins li").count() == 1
    screenshot(page, "dashboard-patrol-card")


def test_analytics_page_shows_the_latest_patrol_backtest(open_page, make_user):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    backtest_store(
        profile="chicago",
        report={
            "shifts": 42,
            "end": "2017-11-01",
            "patrol_hours": 6720.0,
            "covered": {"plan": 270.0, "greedy": 268.0, "proportional": 119.0},
            "incidents_per_patrol_hour": {"plan": 0.0402, "greedy": 0.0399, "proportional": 0.0177},
            "plan_vs_proportional": 2.27,
            "plan_vs_greedy": 1.008,
        },
    )
    page = open_page(analyst, "/analytics/")
    page.wait_for_selector("#patrol-backtest[data-loaded='1']")
    assert page.inner_text("#patrol-backtest [data-kpi='plan-vs-proportional'] strong") == "2.27"
    assert page.inner_text("#patrol-backtest [data-kpi='plan-vs-greedy'] strong") == "1.008"
    assert page.locator("#patrol-backtest tbody tr").count() == 3
