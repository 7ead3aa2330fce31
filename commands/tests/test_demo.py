"""The demo is alive: setup_demo on an empty database leaves open alerts (one
escalating) and tasks in every column, and the activity generator keeps adding incidents
through the ingest service, only when DEMO_ACTIVITY is on."""

import pytest
from django.core.management import call_command

from commands.choices import AlertEventKind, AlertStatus, RuleKind, TaskStatus
from commands.models import Alert, AlertRule, Task, Team
from commands.services.demo_activity import demo_activity_tick
from commands.tasks import demo_activity_tick_task
from incidents.models import Incident
from incidents.signals import incident_created


@pytest.mark.django_db(transaction=True)
def test_setup_demo_on_an_empty_database_makes_a_living_command_centre(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    call_command("setup_demo", incidents=3000, days=90)

    assert set(AlertRule.objects.values_list("kind", flat=True)) == set(RuleKind.values)
    teams = Team.objects.filter(slug__startswith="patrol-")
    assert teams.count() == 3
    assert all(t.members.filter(role="field_supervisor").exists() for t in teams)
    active = Alert.objects.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
    assert active.filter(status=AlertStatus.OPEN).exists()
    escalating = active.filter(
        escalation_finished_at__isnull=True,
        events__kind=AlertEventKind.ESCALATION_FORCED,
    )
    assert escalating.exists()
    statuses = set(Task.objects.values_list("status", flat=True))
    assert {TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE} <= (
        statuses
    )
    assert Task.objects.filter(geom__isnull=False).count() == Task.objects.count()

    # Run again (a second `make run`): nothing is duplicated.
    tasks = Task.objects.count()
    call_command("setup_command_demo")
    assert Task.objects.count() == tasks
    assert AlertRule.objects.count() == len(RuleKind.values)


@pytest.fixture
def kuwait(db):
    call_command("load_reference_data")


def test_one_tick_of_the_activity_generator_adds_incidents_and_announces_them(
    settings, kuwait, django_capture_on_commit_callbacks
):
    settings.DEMO_ACTIVITY = True
    settings.DEMO_ACTIVITY_PER_TICK = 4
    heard = []

    def listen(sender, incident_id, **kwargs):
        heard.append(incident_id)

    incident_created.connect(listen, dispatch_uid="test-demo-listen")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            made = demo_activity_tick_task.apply().get()
    finally:
        incident_created.disconnect(dispatch_uid="test-demo-listen")

    assert made == 4
    ids = set(Incident.objects.filter(source="demo").values_list("pk", flat=True))
    assert len(ids) == 4
    assert set(heard) == ids  # the live feed and the alert rules hear each one


def test_the_activity_generator_is_off_without_the_setting(settings, kuwait):
    settings.DEMO_ACTIVITY = False
    assert demo_activity_tick() == []
    assert demo_activity_tick_task.apply().get() == 0
    assert not Incident.objects.filter(source="demo").exists()
