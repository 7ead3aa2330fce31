"""The MQTT door end to end: real Mosquitto (a private instance per test, started by the
project's own script), the consumer in a thread, a device-side publisher."""

import json
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest

from commands.tests.conftest import alerts_worker  # noqa: F401 (a real alerts worker)
from incidents.models import Incident
from iot.models import Candidate, Device, Event, RejectedEvent
from iot.mqtt.consumer import Consumer
from iot.tests.broker import Broker, publisher
from iot.tests.conftest import make_device

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path / "var")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def consumer(broker, reference):
    consumer = Consumer(
        host="127.0.0.1",
        port=broker.port,
        user="khareetaty-consumer",
        password=broker.password("consumer"),
        client_id=f"test-consumer-{time.monotonic_ns()}",
    )
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    assert consumer.connected.wait(10), "the consumer did not connect"
    yield consumer
    consumer.stop()
    thread.join(10)


def _event(key: str, uid: str, **extra) -> bytes:
    body = {
        "key": key,
        "id": uid,
        "type": "tamper",
        "at": datetime.now(UTC).isoformat(),
        "confidence": 0.5,
        **extra,
    }
    return json.dumps(body).encode()


def _wait(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_consumer_stores_events_rejects_bad_ones_and_counts_per_device(broker, consumer):
    device, key = make_device("mqtt-1")
    client = publisher("127.0.0.1", broker.port, broker.password("device"), "dev-mqtt-1")
    topic = "khareetaty/moi/mqtt-1/events"
    infos = [client.publish(topic, _event(key, f"e{i}"), qos=1) for i in range(20)]
    infos.append(client.publish(topic, b"{not json", qos=1))
    infos.append(client.publish(topic, _event("bad.key-0123456789", "x1"), qos=1))
    infos.append(client.publish(topic, _event(key, "e-bad", confidence=7), qos=1))
    infos.append(client.publish("khareetaty/moi/mqtt-1/heartbeat", json.dumps({"key": key}), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    assert _wait(lambda: Event.objects.count() == 20 and RejectedEvent.objects.count() == 3)
    client.loop_stop()
    reasons = sorted(r.reasons[0]["code"] for r in RejectedEvent.objects.all())
    assert reasons == ["not_json", "range", "unauthenticated"]
    device.refresh_from_db()
    assert (device.events_accepted, device.events_rejected) == (20, 3)
    assert device.last_seen_at is not None
    assert _wait(lambda: consumer.stats.heartbeat == 1)


def test_broker_restart_mid_stream_loses_nothing(broker, consumer):
    device, key = make_device("mqtt-2")
    client = publisher("127.0.0.1", broker.port, broker.password("device"), "dev-mqtt-2")
    topic = "khareetaty/moi/mqtt-2/events"
    infos = []
    for i in range(300):
        infos.append(client.publish(topic, _event(key, f"r{i}"), qos=1))
        if i == 150:
            broker.restart()  # the consumer and the publisher both reconnect
        time.sleep(0.005)
    # Messages published while the broker was down were queued by paho (their info says
    # "not connected") and are sent on reconnect: only the database can say all arrived.
    assert _wait(lambda: Event.objects.filter(device=device).count() == 300, timeout=60)
    client.loop_stop()
    assert consumer.stats.connects >= 2
    device.refresh_from_db()
    stored = Event.objects.filter(device=device)
    assert stored.values("uid").distinct().count() == 300
    assert device.events_accepted == 300
    assert device.events_accepted + device.events_duplicate == consumer.stats.messages - 0


def test_wrong_topic_for_the_key_is_rejected(broker, consumer):
    _device, key = make_device("mqtt-3")
    make_device("mqtt-4")
    client = publisher("127.0.0.1", broker.port, broker.password("device"), "dev-mqtt-3")
    client.publish("khareetaty/moi/mqtt-4/events", _event(key, "w1"), qos=1).wait_for_publish(10)
    assert _wait(lambda: RejectedEvent.objects.count() == 1)
    client.loop_stop()
    rejected = RejectedEvent.objects.get()
    assert rejected.reasons[0]["code"] == "wrong_topic"
    assert rejected.device_id == Device.objects.get(external_id="mqtt-4").pk
    assert Event.objects.count() == 0


def test_broker_refuses_anonymous_clients(broker):
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    result = {}
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    assert _wait(lambda: "rc" in result, 10)
    client.loop_stop()
    assert result["rc"].is_failure


def test_a_gunshot_heard_by_two_sensors_becomes_an_incident_through_the_alerts_worker(
    broker,
    consumer,
    alerts_worker,  # noqa: F811
):
    _a, key_a = make_device("mqtt-a")
    _b, key_b = make_device("mqtt-b", lat=29.3727)
    client = publisher("127.0.0.1", broker.port, broker.password("device"), "dev-mqtt-ab")
    for external_id, key in (("mqtt-a", key_a), ("mqtt-b", key_b)):
        body = _event(key, f"shot-{external_id}", type="gunshot", confidence=0.7)
        client.publish(f"khareetaty/moi/{external_id}/events", body, qos=1).wait_for_publish(10)
    client.loop_stop()
    # The consumer stores and correlates; the worker (a thread here) promotes.
    assert _wait(lambda: Candidate.objects.filter(status="promoted").exists())
    candidate = Candidate.objects.get()
    incident = Incident.objects.get()
    assert candidate.incident_id == incident.pk and incident.channel == "sensor"
    assert consumer.stats.promotions == 1 and Event.objects.count() == 2
