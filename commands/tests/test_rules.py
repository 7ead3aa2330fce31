"""Rule evaluation: each incident-level kind, scope, dedup and cooldown, suppression."""

import base64
import datetime as dt
import json

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from commands.choices import AlertEventKind, AlertStatus, RuleKind, Severity
from commands.models import Alert
from commands.services.alerts import rule_suppress
from commands.services.rules import rules_evaluate_incidents
from commands.tests.conftest import purge_alerts_queue
from commands.tests.factories import AlertRuleFactory
from incidents import signals as incident_signals
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def jahra():
    return RegionFactory(code="jahra", name_en="Jahra", name_ar="الجهراء")


@pytest.fixture
def robbery():
    return CategoryFactory(code="robbery", name_en="Robbery", name_ar="سطو")


def incident(region, category, *, severity=5, minutes_ago=5, **extra):
    return IncidentFactory(
        region=region,
        category=category,
        severity=severity,
        occurred_at=NOW - dt.timedelta(minutes=minutes_ago),
        **extra,
    )


def test_critical_incident_rule_raises_bilingual_alert_linked_to_the_incident(hawalli, robbery):
    rule = AlertRuleFactory(params={"min_severity": 4}, regions=[hawalli])
    inc = incident(hawalli, robbery, severity=4)

    [alert] = rules_evaluate_incidents(incident_ids=[inc.pk], now=NOW)

    assert alert.rule == rule
    assert alert.severity == Severity.CRITICAL
    assert alert.status == AlertStatus.OPEN
    assert alert.title_en == "Robbery in Hawalli"
    assert alert.title_ar == "سطو في حولي"
    assert list(alert.incidents.all()) == [inc]
    assert alert.short_code == 1
    assert alert.events.filter(kind=AlertEventKind.CREATED).exists()


def test_critical_incident_rule_ignores_other_regions_low_severity_and_old_records(
    hawalli, jahra, robbery
):
    AlertRuleFactory(params={"min_severity": 4, "max_age_hours": 6}, regions=[hawalli])
    elsewhere = incident(jahra, robbery, severity=5)
    minor = incident(hawalli, robbery, severity=3)
    backfilled = incident(hawalli, robbery, severity=5, minutes_ago=7 * 60)

    alerts = rules_evaluate_incidents(incident_ids=[elsewhere.pk, minor.pk, backfilled.pk], now=NOW)

    assert alerts == []
    assert not Alert.objects.exists()


def test_critical_category_rule_fires_for_any_severity_of_that_category(hawalli, robbery):
    theft = CategoryFactory(code="theft")
    AlertRuleFactory(params={}, categories=[robbery])
    hit = incident(hawalli, robbery, severity=2)
    miss = incident(hawalli, theft, severity=5)

    alerts = rules_evaluate_incidents(incident_ids=[hit.pk, miss.pk], now=NOW)

    assert [list(a.incidents.all()) for a in alerts] == [[hit]]


def test_repeat_inside_the_cooldown_adds_to_the_open_alerts_count(hawalli, robbery):
    AlertRuleFactory(params={"min_severity": 5}, cooldown_minutes=30)
    first = incident(hawalli, robbery)
    second = incident(hawalli, robbery)

    [alert] = rules_evaluate_incidents(incident_ids=[first.pk], now=NOW)
    [again] = rules_evaluate_incidents(incident_ids=[second.pk], now=NOW + dt.timedelta(minutes=20))

    assert again.pk == alert.pk
    assert again.count == 2
    assert set(again.incidents.all()) == {first, second}
    assert again.events.filter(kind=AlertEventKind.REPEATED).count() == 1
    assert Alert.objects.count() == 1


def test_repeat_after_the_cooldown_raises_a_new_alert(hawalli, robbery):
    AlertRuleFactory(params={"min_severity": 5}, cooldown_minutes=30)
    [first] = rules_evaluate_incidents(incident_ids=[incident(hawalli, robbery).pk], now=NOW)

    later = NOW + dt.timedelta(minutes=31)
    [second] = rules_evaluate_incidents(incident_ids=[incident(hawalli, robbery).pk], now=later)

    assert second.pk != first.pk
    assert second.count == 1
    assert second.short_code == 2  # code 1 still belongs to the first, active alert


def test_dedup_key_separates_scopes(hawalli, jahra, robbery):
    AlertRuleFactory(params={"min_severity": 5}, cooldown_minutes=30)

    alerts = rules_evaluate_incidents(
        incident_ids=[incident(hawalli, robbery).pk, incident(jahra, robbery).pk], now=NOW
    )

    assert len({a.pk for a in alerts}) == 2


def test_volume_rule_fires_only_when_the_window_holds_more_than_the_threshold(hawalli, robbery):
    rule = AlertRuleFactory(
        kind=RuleKind.VOLUME_WINDOW,
        severity=Severity.HIGH,
        params={"threshold": 3, "window_hours": 6},
        categories=[robbery],
    )
    incident(hawalli, robbery, minutes_ago=7 * 60)  # outside the window
    batch = [incident(hawalli, robbery, severity=2, minutes_ago=m) for m in (30, 60, 90)]

    assert rules_evaluate_incidents(incident_ids=[i.pk for i in batch], now=NOW) == []

    fourth = incident(hawalli, robbery, severity=2, minutes_ago=1)
    [alert] = rules_evaluate_incidents(incident_ids=[fourth.pk], now=NOW)

    assert alert.rule == rule
    assert alert.severity == Severity.HIGH
    assert alert.title_en == "4 incidents in 6h in Hawalli"
    assert "4" in alert.title_ar


def test_suppressed_rule_raises_nothing_until_the_period_ends(hawalli, robbery, make_user):
    analyst = make_user("analyst")
    rule = AlertRuleFactory(params={"min_severity": 5})
    rule_suppress(
        rule=rule, actor=analyst, reason="Exercise", until=NOW + dt.timedelta(hours=1), now=NOW
    )

    assert rules_evaluate_incidents(incident_ids=[incident(hawalli, robbery).pk], now=NOW) == []
    later = NOW + dt.timedelta(hours=1, minutes=1)
    assert (
        len(rules_evaluate_incidents(incident_ids=[incident(hawalli, robbery).pk], now=later)) == 1
    )


def test_one_broken_rule_does_not_stop_the_others(hawalli, robbery):
    AlertRuleFactory(
        kind=RuleKind.VOLUME_WINDOW, params={"threshold": "x", "window_hours": 1}
    )  # saved without validation, as a bad admin edit might be
    AlertRuleFactory(params={"min_severity": 5})

    alerts = rules_evaluate_incidents(incident_ids=[incident(hawalli, robbery).pk], now=NOW)

    assert len(alerts) == 1


def queued_alert_tasks() -> list[tuple[str, list]]:
    """(task name, args) of the messages waiting in the real Redis ``alerts`` queue."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in reversed(client.lrange("alerts", 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


def test_incident_signals_enqueue_evaluation_on_the_alerts_queue_after_commit(
    django_capture_on_commit_callbacks,
):
    purge_alerts_queue()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        incident_signals.incident_created.send(sender=None, incident_id=7)
        incident_signals.batch_accepted.send(sender=None, batch_id=3, incident_ids=[8, 9])
        incident_signals.batch_accepted.send(sender=None, batch_id=4, incident_ids=None)
        assert queued_alert_tasks() == []  # nothing leaves before the commit

    assert callbacks  # the enqueueing waited for the commit (live map events add their own)
    assert queued_alert_tasks() == [
        ("commands.rules_evaluate_incidents", [[7]]),
        ("commands.rules_evaluate_incidents", [[8, 9]]),
        ("commands.rules_evaluate_batch", [4]),
    ]
    purge_alerts_queue()


def test_evaluating_the_same_incidents_twice_counts_them_once(hawalli, robbery):
    AlertRuleFactory(params={"min_severity": 5}, cooldown_minutes=30)
    AlertRuleFactory(kind=RuleKind.VOLUME_WINDOW, params={"threshold": 0, "window_hours": 1})
    inc = incident(hawalli, robbery)

    first = rules_evaluate_incidents(incident_ids=[inc.pk], now=NOW)
    again = rules_evaluate_incidents(incident_ids=[inc.pk], now=NOW)  # a redelivered task

    assert len(first) == 2
    assert again == []
    assert sorted(a.count for a in Alert.objects.all()) == [1, 1]
