"""The dashboard's live connection as a user lives with it: it survives a drop by fetching
only what changed meanwhile, and it never exhausts the user's own request quota."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse

from commands.live import STAFF_GROUP
from commands.services.alerts import alert_create_manual
from khareetaty.accounts.choices import Language, Role
from tests.browser.world import off_the_browser_thread, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return world_build()


def api_requests(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda request: (
            seen.append(request.url) if "/api/" in request.url or "/map/" in request.url else None
        ),
    )
    return seen


def drop_live_sockets() -> None:
    """Kill every staff socket's consumer from the server side, as a dead Redis read did:
    the connection ends without a close frame and the page must reconnect by itself."""
    layer = get_channel_layer()

    async def drop():
        connection = layer.connection(0)
        members = await connection.zrange(layer._group_key(STAFF_GROUP), 0, -1)
        for channel in members:
            await layer.send(channel.decode(), {"type": "test.drop"})

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright owns this thread's loop
        pool.submit(async_to_sync(drop)).result(timeout=10)


def test_reconnect_reloads_only_the_panels_whose_data_changed(world, make_user, open_page, guard):
    guard.allow_error(r"WebSocket")
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, "/dashboard/?period=all")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#live-status[data-state='on'][data-opens='1']")
    seen = api_requests(page)

    drop_live_sockets()
    page.wait_for_selector("#live-status[data-state='off']")
    alert = off_the_browser_thread(
        alert_create_manual, actor=analyst, severity="high", title_en="Missed while away"
    )
    page.wait_for_selector("#live-status[data-state='on'][data-opens='2']", timeout=15_000)
    page.wait_for_selector(f"[data-alert-id='{alert.pk}']")
    time.sleep(1)
    paths = sorted({url.split("?")[0].split("127.0.0.1")[1].split("/", 1)[1] for url in seen})
    # The panels that read alerts: the alert list (read as groups), the counts and the
    # response measures (alert times); the map layers, forecasts and tasks are not asked again.
    expected = [
        reverse("commands_api:alert-groups"),
        reverse("commands_api:dashboard"),
        reverse("briefings_api:measures-compare"),
    ]
    assert paths == sorted(path.lstrip("/") for path in expected)


def test_idle_dashboard_makes_no_requests(world, make_user, open_page):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, "/dashboard/?period=all")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#live-status[data-state='on']")
    seen = api_requests(page)
    time.sleep(13)  # past channels_redis's 5 s read, twice
    assert seen == []
    assert page.get_attribute("#live-status", "data-opens") == "1"


def test_throttled_page_says_so_and_stops_asking(world, make_user, open_page, guard, settings):
    guard.allow_error(r"429")
    settings.API_RATE_LIMIT = "3/min"
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(analyst, "/dashboard/?period=all")
    banner = page.locator("#throttle-banner")
    banner.wait_for()
    assert "Too many requests" in banner.inner_text()
    seen = api_requests(page)
    page.select_option("select[name=period]", "7d")
    time.sleep(3)
    assert [url for url in seen if "/api/" in url] == []
