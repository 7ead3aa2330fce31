"""Browser-side security: server text is shown as text, never run, and every page works
under the Content-Security-Policy with zero violations."""

import pytest
from django.contrib.gis.geos import Point

from commands.services.alerts import alert_create_manual
from commands.services.field_tasks import task_create
from incidents.tests.factories import RegionFactory
from khareetaty.accounts.choices import Language, Role
from tests.browser.pointer import hover_map
from tests.browser.world import analytics_build, off_the_browser_thread, square, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = '<img src=x onerror="window.__xss = 1">'
# Off Kuwait City's shore, outside every shipped region.
SEA = (29.420, 48.080)


@pytest.fixture
def world(transactional_db):
    return world_build()


def assert_not_run(page) -> None:
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("img[src=x]").count() == 0


def test_hostile_region_and_alert_names_render_as_text(world, make_user, open_page):
    RegionFactory(code="XSS-1", name_en=PAYLOAD, geom=square(SEA[1], SEA[0], 0.01))
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    alert = off_the_browser_thread(
        alert_create_manual, actor=analyst, severity="high", title_en=PAYLOAD
    )
    page = open_page(analyst, f"/dashboard/?at={SEA[0]},{SEA[1]},13")
    page.wait_for_selector("body[data-ready='1']")

    hover_map(page, *SEA)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == PAYLOAD
    assert page.locator(f"[data-alert-id='{alert.pk}'] .open-alert").inner_text() == PAYLOAD
    page.click("summary:has-text('Regions')")
    # The region filter (and the rule form's region choices, for analysts): the name as text.
    assert page.locator("label.check", has_text=PAYLOAD).count() >= 1
    assert_not_run(page)


def test_each_page_is_served_with_the_csp_and_violates_it_nowhere(world, make_user, open_page):
    analytics_build(world)
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=Language.ENGLISH)
    task = off_the_browser_thread(
        task_create,
        actor=analyst,
        title="Check the market",
        assignee_user=supervisor,
        geom=Point(47.975, 29.374, srid=4326),
    )
    anonymous = open_page(None, "/accounts/login/")
    policy = anonymous.request.get("/accounts/login/").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    assert "default-src 'self'" in policy

    pages = [
        (analyst, "/dashboard/?period=all", "body[data-ready='1']"),
        (analyst, "/analytics/", "[data-kpi=accuracy]"),
        (analyst, "/api/docs/", ".swagger-ui"),
        (supervisor, "/field/", ".task-item"),
        (supervisor, f"/field/tasks/{task.pk}/", "#status-buttons button"),
    ]
    for user, path, ready in pages:
        page = open_page(user, path)
        page.wait_for_selector(ready)
        page.wait_for_timeout(300)


def test_failed_sign_in_keeps_the_username_and_says_why(world, make_user, open_page):
    user = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    page = open_page(None, "/accounts/login/")
    page.locator("#id_username").click()
    page.keyboard.type(user.username)
    page.locator("#id_password").click()
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    page.locator("#main .error").wait_for()
    assert page.locator("#id_username").input_value() == user.username
    assert page.locator("#id_password").input_value() == ""
