"""Command staff's task work on the dashboard, by pointer and keyboard: a task for a team
from an alert, the alert and the task showing each other, the task panel's reassign, due
time and cancel; the field view's place, "Navigate" link and update locations."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.models import Task
from commands.services.alerts import alert_create_manual
from commands.services.field_tasks import task_add_update, task_create
from commands.tests.factories import TeamFactory
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import PHONE
from tests.browser.world import off_the_browser_thread, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return world_build()


def test_task_for_a_team_from_an_alert_links_both_ways_and_is_managed_in_its_panel(
    world, make_user, open_page
):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    first = TeamFactory(slug="patrol-7", name_en="Patrol Seven")
    TeamFactory(slug="patrol-9", name_en="Patrol Nine")
    alert = off_the_browser_thread(
        alert_create_manual,
        actor=analyst,
        severity="high",
        title_en="Burglaries rising in Hawalli",
        region_id=world.regions["KW-HA"].pk,
    )
    page = open_page(analyst, "/dashboard/")
    item = page.locator(f"[data-alert-id='{alert.pk}']")
    item.locator("button.task").click()
    page.locator("#task-team").select_option(label="Patrol Seven")
    due = timezone.localtime() + dt.timedelta(days=2)
    page.locator("#task-due").fill(due.strftime("%d/%m/%Y 14:30"))
    page.locator("#task-dialog button[value=save]").click()

    panel = page.locator("#detail .task-panel")
    panel.wait_for()
    task = Task.objects.get(alert=alert)
    assert task.assignee_team == first
    assert timezone.localtime(task.due_at).strftime("%d/%m %H:%M") == due.strftime("%d/%m 14:30")
    assert "Task created." in panel.inner_text()
    assert "Alert #" in panel.inner_text()
    # The alert now shows its task and offers to open it instead of making another.
    item.locator("button.open-task").wait_for()
    assert item.locator("button:has-text('Create task')").count() == 0
    assert item.locator(f"a.linked-task[data-task-id='{task.pk}']").count() == 1

    page.locator("#reassign-team").select_option(label="Patrol Nine")
    page.locator("form.reassign button").click()
    page.wait_for_selector("#detail .timeline li[data-kind='assigned']")
    task.refresh_from_db()
    assert task.assignee_team.slug == "patrol-9"

    page.locator("#detail .close").click()
    page.locator(f".task-card[data-task-id='{task.pk}']").click()
    page.locator("#cancel-note").fill("Duplicate of the morning patrol")
    page.locator("form.cancel button").click()
    page.wait_for_selector("#detail .task-panel[data-status='cancelled']")
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_field_view_shows_the_place_a_navigate_link_and_the_update_locations(
    world, make_user, open_page
):
    analyst = make_user(Role.ANALYST)
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=Language.ENGLISH)
    task = off_the_browser_thread(
        task_create,
        actor=analyst,
        title="Check the market",
        assignee_user=supervisor,
        geom=Point(47.975, 29.374, srid=4326),
    )
    off_the_browser_thread(
        task_add_update,
        task=task,
        actor=supervisor,
        status="accepted",
        note="On my way",
        geom=Point(47.970, 29.370, srid=4326),
    )
    page = open_page(supervisor, f"/field/tasks/{task.pk}/", viewport=PHONE)
    link = page.locator("a#navigate")
    link.wait_for()
    assert link.get_attribute("href") == "geo:29.374,47.975"
    page.wait_for_selector("#task-map[data-track='1']")
    assert page.locator("#task-map .leaflet-marker-icon").count() == 1
    assert page.locator("#task-updates li[data-located='1']").count() == 1


def test_viewer_sees_a_task_without_the_actions_the_server_would_refuse(
    world, make_user, open_page
):
    analyst = make_user(Role.ANALYST)
    task = off_the_browser_thread(
        task_create, actor=analyst, title="Watch the port", assignee_team=TeamFactory()
    )
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, f"/field/tasks/{task.pk}/")
    page.wait_for_selector("#task-title:has-text('Watch the port')")
    assert page.locator("#status-buttons button").count() == 0
    assert not page.locator("#update-form").is_visible()
    assert page.locator(".read-only").is_visible()
