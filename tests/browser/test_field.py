"""The mobile field view at phone size, and the alert panel's actions, in a real browser."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.models import Alert, Task, TaskUpdate
from commands.services.alerts import alert_create_manual
from commands.services.field_tasks import task_create
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import PHONE, screenshot
from tests.browser.world import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 29.3759, "longitude": 47.9774, "accuracy": 15}


@pytest.fixture
def world(transactional_db):
    return world_build()


@pytest.fixture
def supervisor_tasks(world, make_user):
    analyst = make_user(Role.ANALYST)
    supervisor = make_user(Role.FIELD_SUPERVISOR, preferred_language=Language.ENGLISH)
    soon = timezone.now() + dt.timedelta(hours=2)
    later = timezone.now() + dt.timedelta(hours=8)
    low = task_create(
        actor=analyst,
        title="Check parked cars",
        priority="low",
        due_at=soon,
        assignee_user=supervisor,
        geom=Point(47.98, 29.37, srid=4326),
    )
    urgent = task_create(
        actor=analyst,
        title="Patrol Souq Al-Mubarakiya",
        priority="urgent",
        due_at=later,
        assignee_user=supervisor,
        geom=Point(47.975, 29.374, srid=4326),
    )
    return supervisor, urgent, low


def test_field_supervisor_updates_a_task_with_location_at_phone_size(supervisor_tasks, open_page):
    supervisor, urgent, low = supervisor_tasks
    page = open_page(supervisor, "/field/", viewport=PHONE, geolocation=HERE)
    page.wait_for_selector(".task-item")
    ids = page.eval_on_selector_all(".task-item", "items => items.map(i => +i.dataset.taskId)")
    assert ids == [urgent.pk, low.pk]  # urgent first although due later
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "field-tasks-phone")

    page.click(f".task-item[data-task-id='{urgent.pk}'] a")
    page.wait_for_selector("#status-buttons button[data-status='accepted']")
    page.fill("#update-note", "On my way")
    page.click("#status-buttons button[data-status='accepted']")
    page.wait_for_selector("#task[data-status='accepted']")
    page.wait_for_selector("body[data-queued='0']", state="attached")
    update = TaskUpdate.objects.filter(task=urgent, status="accepted").latest("pk")
    assert update.note == "On my way"
    assert update.author == supervisor
    assert update.geom is not None
    assert update.geom.x == pytest.approx(HERE["longitude"], abs=1e-4)
    assert update.geom.y == pytest.approx(HERE["latitude"], abs=1e-4)
    urgent.refresh_from_db()
    assert urgent.status == "accepted"
    page.wait_for_selector("#task-updates li:has-text('On my way')")
    screenshot(page, "field-task-phone")


def test_update_made_offline_is_sent_when_the_network_returns(supervisor_tasks, open_page, guard):
    guard.allow_error(r"ERR_INTERNET_DISCONNECTED|WebSocket")
    supervisor, urgent, _low = supervisor_tasks
    page = open_page(supervisor, f"/field/tasks/{urgent.pk}/", viewport=PHONE, geolocation=HERE)
    page.wait_for_selector("#status-buttons button")
    page.context.set_offline(True)
    page.fill("#update-note", "Written in a dead zone")
    page.click("#update-form button[type=submit]")
    page.wait_for_selector("body[data-queued='1']", state="attached")
    assert page.is_visible("#queue-status")
    assert not TaskUpdate.objects.filter(note="Written in a dead zone").exists()

    page.context.set_offline(False)
    page.wait_for_selector("body[data-queued='0']", state="attached", timeout=15_000)
    update = TaskUpdate.objects.get(note="Written in a dead zone")
    assert update.geom is not None


def test_acknowledging_an_alert_updates_the_panel_and_a_task_is_created_from_it(
    world, make_user, open_page
):
    analyst = make_user(Role.ANALYST, preferred_language=Language.ENGLISH)
    alert = alert_create_manual(
        actor=analyst,
        severity="high",
        title_en="Burglaries rising in Hawalli",
        region_id=world.regions["KW-HA"].pk,
    )
    page = open_page(analyst, "/dashboard/")
    page.wait_for_selector(f"[data-alert-id='{alert.pk}'][data-status='open']")
    page.click(f"[data-alert-id='{alert.pk}'] button.ack")
    page.wait_for_selector(f"[data-alert-id='{alert.pk}'][data-status='acknowledged']")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by == analyst

    supervisor = make_user(Role.FIELD_SUPERVISOR)
    page.click(f"[data-alert-id='{alert.pk}'] button.task")
    page.fill("#task-user", supervisor.username)
    page.select_option("#task-priority", "high")
    page.click("#task-dialog button[value=save]")
    page.wait_for_selector(".column[data-status='assigned'] .task-card")
    task = Task.objects.get(alert=alert)
    assert task.assignee_user == supervisor
    assert task.priority == "high"
    assert "Burglaries rising in Hawalli" in page.inner_text(".column[data-status='assigned']")
    screenshot(page, "dashboard-alert-acknowledged")


def test_viewer_sees_alerts_but_cannot_act_on_them(world, make_user, open_page):
    analyst = make_user(Role.ANALYST)
    alert = alert_create_manual(actor=analyst, severity="critical", title_en="Manual alert")
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/dashboard/")
    page.wait_for_selector(f"[data-alert-id='{alert.pk}']")
    assert page.locator(f"[data-alert-id='{alert.pk}'] .actions button").count() == 0
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_arabic_field_view_is_right_to_left_at_phone_size(supervisor_tasks, open_page):
    supervisor, urgent, _low = supervisor_tasks
    supervisor.preferred_language = Language.ARABIC
    supervisor.save(update_fields=["preferred_language"])
    page = open_page(supervisor, f"/field/tasks/{urgent.pk}/", viewport=PHONE, geolocation=HERE)
    page.wait_for_selector("#status-buttons button")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.inner_text("#status-buttons button[data-status='accepted']") == "قبول"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "field-task-phone-arabic")
