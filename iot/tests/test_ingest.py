"""The ingestion service and the HTTPS door: one validation, rejected events kept with their
reasons, QoS-1 resends stored once, counters per device, device keys."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from iot.models import DeviceKey, Event, RejectedEvent
from iot.services.devices import device_for_key, device_key_issue, device_key_revoke
from iot.services.ingest import messages_ingest
from iot.tests.helpers import event, mqtt_message
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

BAD_EVENTS = [
    (event("a1", type="meteor"), "type"),
    (event("a2", confidence=1.5), "confidence"),
    (event("a3", at="yesterday"), "at"),
    (event("a4", at=(datetime.now(UTC) + timedelta(hours=2)).isoformat()), "at"),
    (event("a5", lon=200, lat=29.3), "lon"),
    (event("bad id!"), "id"),
    (event("a6", payload=[1, 2]), "payload"),
]


def _post(key: str, events: list[dict]):
    client = APIClient()
    return client.post(
        "/api/iot/v1/events", {"events": events}, format="json", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )


def test_key_is_shown_once_stored_hashed_and_rotation_revokes_the_old(device):
    dev, first = device
    stored = DeviceKey.objects.get(device=dev)
    assert first.startswith(stored.prefix + ".") and first not in stored.hashed_key
    assert device_for_key(first).device_id == dev.pk
    _key, second = device_key_issue(device=dev, actor=None)
    assert device_for_key(first) is None
    assert device_for_key(second).device_id == dev.pk
    assert ActionLog.objects.filter(action="key_issue").count() == 2


def test_revoked_key_is_refused_at_the_https_door(device):
    dev, key = device
    device_key_revoke(key=DeviceKey.objects.get(device=dev), actor=None)
    assert _post(key, [event("r1")]).status_code == 401
    assert Event.objects.count() == 0


@pytest.mark.parametrize(("body", "field"), BAD_EVENTS, ids=[f for _, f in BAD_EVENTS])
def test_both_doors_reject_the_same_event_with_the_same_reason(device, body, field):
    dev, key = device
    https = _post(key, [body]).json()["results"][0]
    mqtt = messages_ingest([mqtt_message(dev, key, body)]).outcomes[0]
    assert https["status"] == mqtt.status == "rejected"
    assert [r["field"] for r in https["reasons"]] == [r["field"] for r in mqtt.reasons] == [field]
    kept = RejectedEvent.objects.order_by("pk")
    assert [r.door for r in kept] == ["https", "mqtt"]
    assert all(r.reasons[0]["field"] == field and r.device_id == dev.pk for r in kept)
    dev.refresh_from_db()
    assert dev.events_rejected == 2 and Event.objects.count() == 0


def test_both_doors_store_valid_events_and_count_them(device):
    dev, key = device
    response = _post(key, [event("h1"), event("h2", lon=47.9, lat=29.3, payload={"n": 1})])
    assert response.status_code == 200
    assert response.json()["stored"] == 2
    result = messages_ingest([mqtt_message(dev, key, event("m1"))])
    assert result.count("stored") == 1
    assert sorted(Event.objects.values_list("door", flat=True)) == ["https", "https", "mqtt"]
    located = Event.objects.get(uid="h2")
    assert (located.geom.x, located.geom.y) == (47.9, 29.3)
    assert Event.objects.get(uid="h1").geom == dev.geom  # defaults to the device's location
    dev.refresh_from_db()
    assert dev.events_accepted == 3 and dev.last_seen_at is not None


def test_qos1_resends_are_stored_once_and_counted_as_duplicates(device):
    dev, key = device
    body = event("dup-1")
    first = messages_ingest([mqtt_message(dev, key, body), mqtt_message(dev, key, body)])
    again = messages_ingest([mqtt_message(dev, key, body)])
    assert [o.status for o in first.outcomes] == ["stored", "duplicate"]
    assert again.outcomes[0].status == "duplicate"
    assert _post(key, [body]).json()["duplicates"] == 1
    assert Event.objects.filter(uid="dup-1").count() == 1
    dev.refresh_from_db()
    assert (dev.events_accepted, dev.events_duplicate) == (1, 3)


def test_unreadable_and_unauthenticated_messages_are_kept(device):
    dev, key = device
    result = messages_ingest(
        [
            mqtt_message(dev, key, b"\xff\xfe not json"),
            mqtt_message(dev, "nope.0123456789abcdef", event("x")),
            mqtt_message(dev, key, b"x" * 20_000),
        ]
    )
    codes = [o.reasons[0]["code"] for o in result.outcomes]
    assert codes == ["not_json", "unauthenticated", "too_large"]
    assert RejectedEvent.objects.count() == 3
    assert len(RejectedEvent.objects.get(reasons__0__code="too_large").raw) == 4096


def test_https_batch_over_the_limit_is_refused_whole(device, settings):
    _dev, key = device
    settings.IOT_HTTP_BATCH_MAX = 2
    response = _post(key, [event("l1"), event("l2"), event("l3")])
    assert response.status_code == 400
    assert Event.objects.count() == 0


def test_https_door_needs_a_device_key_not_a_user(device, client_for):
    assert (
        APIClient().post("/api/iot/v1/events", {"events": [event("u1")]}, format="json").status_code
        == 401
    )
    response = client_for("superadmin").post(
        "/api/iot/v1/events", {"events": [event("u1")]}, format="json"
    )
    assert response.status_code == 403


def test_heartbeat_moves_last_seen_without_storing_an_event(device):
    dev, key = device
    result = messages_ingest([mqtt_message(dev, key, {}, heartbeat=True)])
    assert result.outcomes[0].status == "heartbeat"
    dev.refresh_from_db()
    assert dev.last_seen_at is not None and Event.objects.count() == 0


def test_disabled_device_events_are_rejected(device):
    dev, key = device
    dev.status = "disabled"
    dev.save()
    assert (
        messages_ingest([mqtt_message(dev, key, event("d1"))]).outcomes[0].reasons[0]["code"]
        == "disabled"
    )
