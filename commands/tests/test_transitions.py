"""The one alert-transition helper: lock, check, save, timeline, audit, escalation and the
live announcement, all or nothing."""

import pytest
from django.utils import timezone

from commands.choices import AlertEventKind, AlertStatus
from commands.models import Alert
from commands.services.transitions import Transition, alert_transition
from commands.signals import alert_changed
from commands.tests.conftest import raise_manual
from khareetaty.audit.models import ActionLog
from khareetaty.exceptions import Conflict

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def alert(policy_file):
    return raise_manual("transition-test", now=NOW)


@pytest.fixture
def announced():
    """Alert ids announced live (the real ``alert_changed`` signal, after commit)."""
    ids: list[int] = []

    def receiver(sender, alert_id, **kwargs):
        ids.append(alert_id)

    alert_changed.connect(receiver, dispatch_uid="test_transitions")
    yield ids
    alert_changed.disconnect(dispatch_uid="test_transitions")


def test_a_transition_saves_notes_audits_stops_escalation_and_announces_after_commit(
    alert, make_user, announced, django_capture_on_commit_callbacks
):
    actor = make_user("analyst")
    transition = Transition(
        changes={"status": AlertStatus.RESOLVED, "resolved_at": NOW, "resolution_note": "ok"},
        event=AlertEventKind.RESOLVED,
        event_data={"note": "ok"},
        audit="alert_resolve",
        audit_summary=lambda a: {"status": a.status},
    )

    with django_capture_on_commit_callbacks(execute=True):
        moved = alert_transition(alert=alert, transition=transition, actor=actor, now=NOW)
        assert announced == []  # nothing is announced before the commit

    stored = Alert.objects.get(pk=alert.pk)
    assert moved.status == stored.status == AlertStatus.RESOLVED
    assert stored.resolution_note == "ok"
    assert stored.events.filter(kind=AlertEventKind.RESOLVED, actor=actor).count() == 1
    log = ActionLog.objects.get(action="alert_resolve", object_id=str(alert.pk))
    assert log.summary == {"status": AlertStatus.RESOLVED}
    assert stored.escalation_finished_at == NOW  # escalation saw the resolved alert
    assert announced == [alert.pk]


def test_a_refused_transition_raises_a_conflict_and_changes_nothing(alert, make_user, announced):
    before = alert.events.count()
    transition = Transition(
        refuse=lambda a: f"The alert is {a.status}.",
        changes={"status": AlertStatus.RESOLVED},
        event=AlertEventKind.RESOLVED,
        audit="alert_resolve",
    )

    with pytest.raises(Conflict, match="The alert is open"):
        alert_transition(alert=alert, transition=transition, actor=make_user("analyst"), now=NOW)

    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN
    assert alert.events.count() == before
    assert not ActionLog.objects.filter(action="alert_resolve").exists()


def test_a_note_without_advance_leaves_escalation_and_the_audit_alone(alert, announced):
    next_step = Alert.objects.get(pk=alert.pk).next_step_index
    transition = Transition(
        event=AlertEventKind.TASK_CREATED, event_data={"task": 1}, advance=False
    )

    alert_transition(alert=alert.pk, transition=transition, actor=None, now=NOW)

    stored = Alert.objects.get(pk=alert.pk)
    assert stored.next_step_index == next_step
    assert stored.escalation_finished_at is None
    assert stored.events.get(kind=AlertEventKind.TASK_CREATED).data == {"task": 1}
    assert not ActionLog.objects.filter(
        object_type="commands.alert", object_id=str(alert.pk)
    ).exists()
