"""The YAML policy (validation with line and field, reload) and escalation timing."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.choices import AlertEventKind, AlertStatus, Severity
from commands.models import Delivery, EscalationPolicyVersion
from commands.policy import PolicyInvalid, policy_parse, policy_reload
from commands.services.alerts import (
    alert_acknowledge,
    alert_escalate,
    alert_resolve,
)
from commands.services.escalation import escalation_advance, escalation_tick
from commands.tests.conftest import POLICY, raise_manual, write_policy
from commands.tests.factories import TeamFactory
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def raise_alert(severity=Severity.CRITICAL, key="k1", now=T0):
    return raise_manual(key, severity=severity, now=now)


def steps(alert) -> list[tuple[str, dt.datetime]]:
    events = alert.events.filter(kind=AlertEventKind.ESCALATION_STEP).order_by("at", "pk")
    return [(e.step_key, e.at) for e in events]


@pytest.fixture
def staff(make_user, policy_file):
    return {
        "analyst": make_user("analyst", phone_number="+96551000001", email="analyst@example.kw"),
        "admin": make_user("superadmin", phone_number="+96551000002", email="admin@example.kw"),
    }


# --- policy -------------------------------------------------------------------------------


def test_policy_errors_name_the_line_and_the_field():
    text = (
        POLICY.replace("after: 10m", "after: soon")
        .replace("channels: [email]", "channels: [pigeon]")
        .replace("notify: [role:superadmin]", "notify: [role:general]")
    )

    with pytest.raises(PolicyInvalid) as caught:
        policy_parse(text)

    errors = {(e.line, e.field) for e in caught.value.errors}
    assert (9, "severities.critical.steps[1].after") in errors
    assert (10, "severities.critical.steps[1].notify[0]") in errors
    assert (22, "severities.medium.steps[0].channels[0]") in errors
    assert len(errors) == 3


def test_policy_rejects_unknown_fields_teams_and_bad_yaml():
    with pytest.raises(PolicyInvalid) as caught:
        policy_parse(
            POLICY.replace("repeat:", "repaet:").replace(
                "role:analyst]\n        channels: [sms]\n      - after: 10m",
                "team:nobody]\n        channels: [sms]\n      - after: 10m",
            )
        )
    fields = {e.field for e in caught.value.errors}
    assert "severities.critical.repaet" in fields
    assert "severities.critical.steps[0].notify[0]" in fields

    with pytest.raises(PolicyInvalid) as caught:
        policy_parse("severities: [unclosed")
    assert caught.value.errors[0].line == 1


def test_an_invalid_file_leaves_the_active_policy_in_place(settings, tmp_path):
    write_policy(settings, tmp_path, POLICY)
    good = policy_reload()
    write_policy(settings, tmp_path, POLICY.replace("after: 0m", "after: -"))

    with pytest.raises(PolicyInvalid):
        policy_reload()

    assert EscalationPolicyVersion.objects.latest().pk == good.pk


def test_the_shipped_policy_file_is_valid(settings):
    settings.ESCALATION_POLICY_FILE = ""
    version = policy_reload()
    assert set(version.parsed["severities"]) == set(Severity.values)


# --- timing -------------------------------------------------------------------------------


def test_each_step_fires_at_its_time_and_never_twice(staff, fake_twilio):
    alert = raise_alert()
    assert steps(alert) == [("r0.s0", T0)]
    assert alert.next_step_at == T0 + dt.timedelta(minutes=10)

    assert escalation_advance(alert_id=alert.pk, now=T0 + dt.timedelta(minutes=9, seconds=59)) == 0
    assert escalation_advance(alert_id=alert.pk, now=T0 + dt.timedelta(minutes=10)) == 1
    assert escalation_advance(alert_id=alert.pk, now=T0 + dt.timedelta(minutes=10)) == 0
    assert escalation_tick(now=T0 + dt.timedelta(minutes=11)) == 0

    # repeat: every 30m, once more
    assert escalation_tick(now=T0 + dt.timedelta(minutes=30)) == 1
    assert escalation_tick(now=T0 + dt.timedelta(minutes=40)) == 1
    assert escalation_tick(now=T0 + dt.timedelta(hours=5)) == 0

    alert.refresh_from_db()
    assert steps(alert) == [
        ("r0.s0", T0),
        ("r0.s1", T0 + dt.timedelta(minutes=10)),
        ("r1.s0", T0 + dt.timedelta(minutes=30)),
        ("r1.s1", T0 + dt.timedelta(minutes=40)),
    ]
    assert alert.next_step_at is None
    assert alert.events.filter(kind=AlertEventKind.ESCALATION_FINISHED).count() == 1
    recipients = [
        (d.step_key, d.recipient.username, d.channel) for d in alert.deliveries.order_by("pk")
    ]
    assert recipients == [
        ("r0.s0", staff["analyst"].username, "sms"),
        ("r0.s1", staff["admin"].username, "sms"),
        ("r1.s0", staff["analyst"].username, "sms"),
        ("r1.s1", staff["admin"].username, "sms"),
    ]


def test_a_late_tick_fires_each_overdue_step_once(staff, fake_twilio):
    alert = raise_alert()
    assert escalation_tick(now=T0 + dt.timedelta(minutes=35)) == 2  # r0.s1 and r1.s0
    alert.refresh_from_db()
    assert [key for key, _at in steps(alert)] == ["r0.s0", "r0.s1", "r1.s0"]
    assert alert.next_step_at == T0 + dt.timedelta(minutes=40)


def test_escalation_stops_when_acknowledged(staff, fake_twilio):
    alert = raise_alert()
    alert_acknowledge(alert=alert, actor=staff["analyst"], now=T0 + dt.timedelta(minutes=3))

    assert escalation_tick(now=T0 + dt.timedelta(minutes=10)) == 0
    alert.refresh_from_db()
    assert [key for key, _at in steps(alert)] == ["r0.s0"]
    assert alert.next_step_at is None
    assert alert.escalation_finished_at == T0 + dt.timedelta(minutes=3)
    assert alert.acknowledged_by == staff["analyst"]
    assert Delivery.objects.filter(alert=alert).count() == 1


def test_escalation_continues_after_acknowledgement_when_the_policy_says_so(
    settings, tmp_path, staff, fake_twilio
):
    write_policy(
        settings,
        tmp_path,
        POLICY.replace("stop_on: [acknowledged, resolved]", "stop_on: [resolved]"),
    )
    policy_reload()
    alert = raise_alert()
    alert_acknowledge(alert=alert, actor=staff["analyst"], now=T0 + dt.timedelta(minutes=3))

    assert escalation_tick(now=T0 + dt.timedelta(minutes=10)) == 1
    alert_resolve(alert=alert, actor=staff["analyst"], now=T0 + dt.timedelta(minutes=12))
    assert escalation_tick(now=T0 + dt.timedelta(minutes=30)) == 0


def test_an_alert_keeps_the_policy_snapshot_it_started_with(settings, tmp_path, staff, fake_twilio):
    alert = raise_alert()
    write_policy(settings, tmp_path, POLICY.replace("after: 10m", "after: 20m"))
    policy_reload()

    assert escalation_tick(now=T0 + dt.timedelta(minutes=10)) == 1
    newer = raise_alert(key="k2")
    assert newer.next_step_at == T0 + dt.timedelta(minutes=20)
    assert (
        alert.escalation_snapshot["policy_version"] != newer.escalation_snapshot["policy_version"]
    )


def test_forcing_the_next_step_fires_it_now_once_and_is_audited(staff, fake_twilio):
    alert = raise_alert()
    alert_escalate(alert=alert, actor=staff["analyst"], now=T0 + dt.timedelta(minutes=1))

    alert.refresh_from_db()
    assert steps(alert) == [("r0.s0", T0), ("r0.s1", T0 + dt.timedelta(minutes=1))]
    # the forced step's scheduled time passes without a second fire
    assert escalation_tick(now=T0 + dt.timedelta(minutes=10)) == 0
    entry = ActionLog.objects.get(action="alert_escalate")
    assert entry.actor_id == staff["analyst"].pk
    assert entry.object_id == str(alert.pk)


def test_a_severity_without_steps_does_not_escalate(staff):
    alert = raise_alert(severity=Severity.LOW)
    assert alert.next_step_at is None
    assert not alert.deliveries.exists()
    assert alert.status == AlertStatus.OPEN


def test_a_step_reaches_team_members_and_named_users(settings, tmp_path, make_user, fake_twilio):
    member = make_user("field_supervisor", phone_number="+96550000001")
    make_user("viewer", phone_number="+96550000002", username="duty-viewer")
    make_user("field_supervisor", phone_number="+96550000003")  # not in the team
    TeamFactory(slug="patrol-1", members=[member])
    write_policy(
        settings,
        tmp_path,
        "severities:\n  high:\n    steps:\n      - after: 0m\n        notify: [team:patrol-1, user:duty-viewer]\n        channels: [sms]\n",
    )
    policy_reload()

    alert = raise_alert(severity=Severity.HIGH)

    assert sorted(d.address for d in alert.deliveries.all()) == ["+96550000001", "+96550000002"]


def test_an_alert_is_still_raised_when_no_policy_can_be_loaded(settings, tmp_path):
    write_policy(settings, tmp_path, "severities: {critical: {steps: [{after: soon}]}}")

    alert = raise_alert()

    assert alert.pk is not None
    assert alert.next_step_at is None
    assert alert.events.filter(kind=AlertEventKind.ESCALATION_FINISHED).exists()
