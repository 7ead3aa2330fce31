"""Silent devices (alert raised and cleared through the silent_device rule kind), rate
flags, and the partitions of iot_events (created ahead, dropped past the retention)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from commands.models import Alert
from commands.rulekinds import rule_kind
from commands.tests.factories import AlertRuleFactory
from iot.models import Event
from iot.services.health import devices_check, events_upkeep
from iot.services.ingest import messages_ingest
from iot.services.partitions import partition_name, partitions_for_days, partitions_list
from iot.tests.helpers import event, mqtt_message

pytestmark = pytest.mark.django_db


def test_the_silent_device_kind_is_in_the_commands_registry():
    assert rule_kind("silent_device").scope == "iot_devices"


def test_silent_device_raises_an_alert_and_clears_it_when_heard_again(device):
    dev, key = device
    rule = AlertRuleFactory(kind="silent_device", params={}, severity="medium")
    dev.heartbeat_seconds = 60
    dev.last_seen_at = timezone.now() - timedelta(minutes=2)
    dev.save()
    assert devices_check().silenced == []  # 2 min < 60 s x 3
    later = timezone.now() + timedelta(minutes=2)
    result = devices_check(now=later)
    assert result.silenced == [dev.pk]
    alert = Alert.objects.get(pk__in=result.alert_ids)
    assert alert.rule_id == rule.pk and str(dev) in alert.title_en and alert.status == "open"
    assert devices_check(now=later).silenced == []  # raised once
    messages_ingest([mqtt_message(dev, key, {}, heartbeat=True)])
    back = devices_check(now=timezone.now())
    assert back.returned == [dev.pk]
    alert.refresh_from_db()
    dev.refresh_from_db()
    assert alert.status == "resolved" and dev.silent_since is None


def test_device_far_above_its_usual_rate_is_flagged(device, settings):
    dev, key = device
    settings.IOT_RATE_MIN_EVENTS = 20
    dev.created_at = timezone.now() - timedelta(days=2)
    dev.save()
    messages_ingest([mqtt_message(dev, key, event(f"s{i}")) for i in range(40)])
    assert devices_check().flagged == [dev.pk]
    dev.refresh_from_db()
    assert dev.rate_flagged_at is not None


def _count_partitions_named(day: date) -> int:
    return partitions_list().count(partition_name(day))


def test_partitions_are_created_ahead_and_dropped_past_the_retention(db, settings):
    settings.IOT_RETENTION_DAYS = 30
    today = datetime.now(UTC).date()
    old = today - timedelta(days=40)
    partitions_for_days({old})
    with connection.cursor() as cursor:  # an old row, straight into its partition
        cursor.execute(
            "INSERT INTO iot_events (device_id, uid, type, occurred_at, received_at, geom,"
            " confidence, payload, media_ref, door) VALUES (1, 'old', 'tamper', %s, %s,"
            " ST_SetSRID(ST_MakePoint(48, 29), 4326), 0.5, '{}', '', 'mqtt')",
            [datetime(old.year, old.month, old.day, 12, tzinfo=UTC)] * 2,
        )
    assert Event.objects.filter(uid="old").exists()
    result = events_upkeep()
    names = partitions_list()
    assert partition_name(today + timedelta(days=settings.IOT_PARTITION_DAYS_AHEAD)) in names
    assert partition_name(old) not in names and result["dropped"] >= 1
    assert not Event.objects.filter(uid="old").exists()


def test_an_event_on_a_day_without_a_partition_gets_one(device):
    dev, key = device
    settings_day = datetime.now(UTC) - timedelta(days=20)
    result = messages_ingest([mqtt_message(dev, key, event("back", at=settings_day))])
    assert result.outcomes[0].status == "stored"
    assert partition_name(settings_day.date()) in partitions_list()
