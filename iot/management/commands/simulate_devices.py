"""Publish realistic device traffic over MQTT to the configured broker (the project-local
Mosquitto under `make run`): background noise from every device, a true gunshot heard by a
cluster of acoustic sensors every ~15 s, heartbeats, one device that goes silent a third of
the way in, and one stuck device spamming tamper events."""

import json
import random
import time
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from iot.models import Device
from iot.simulation import cluster_of, event_body, fleet_ensure, noise_body


def device_client(client_id: str) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=False,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(settings.MQTT_DEVICE_USER, settings.MQTT_DEVICE_PASSWORD)
    client.max_inflight_messages_set(1000)
    client.reconnect_delay_set(1, 10)
    client.connect(settings.MQTT_HOST, settings.MQTT_PORT, keepalive=30)
    client.loop_start()
    return client


class Command(BaseCommand):
    help = "Simulate IoT devices publishing events over MQTT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--devices", type=int, default=200)
        parser.add_argument("--rate", type=float, default=50, help="events per second, in all")
        parser.add_argument("--duration", type=float, default=60, help="seconds")
        parser.add_argument("--agency", default="sim")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options) -> None:
        if options["devices"] < 6 or options["rate"] <= 0:
            raise CommandError("At least 6 devices and a positive rate.")
        rng = random.Random(options["seed"])
        fleet = fleet_ensure(
            count=options["devices"], agency=options["agency"], seed=options["seed"]
        )
        silent, stuck = fleet[-1], fleet[-2]
        Device.objects.filter(pk=silent.pk).update(heartbeat_seconds=10)
        client = device_client(f"sim-{options['agency']}-{rng.randrange(10**9)}")
        start = time.monotonic()
        sent, infos = 0, []
        next_cluster, cluster_index, next_heartbeat = start + 5, 0, start
        try:
            while (now := time.monotonic()) - start < options["duration"]:
                quiet = {silent.pk} if now - start > options["duration"] / 3 else set()
                if now >= next_heartbeat:
                    for d in fleet:
                        if d.pk not in quiet:
                            client.publish(
                                f"{d.topic}/heartbeat", json.dumps({"key": d.key}), qos=1
                            )
                    next_heartbeat = now + 5
                if now >= next_cluster:
                    at = datetime.now(UTC)
                    for offset, d in enumerate(cluster_of(fleet, cluster_index)):
                        body = event_body(
                            d,
                            type="gunshot",
                            confidence=rng.uniform(0.7, 0.95),
                            at=at + timedelta(milliseconds=300 * offset),
                        )
                        infos.append(client.publish(f"{d.topic}/events", json.dumps(body), qos=1))
                    cluster_index += 1
                    next_cluster = now + 15
                device = stuck if rng.random() < 0.2 else rng.choice(fleet)
                if device.pk in quiet:
                    continue
                body = noise_body(device, rng)
                if device is stuck:
                    body["type"], body["confidence"] = "tamper", 0.99
                infos.append(client.publish(f"{device.topic}/events", json.dumps(body), qos=1))
                sent += 1
                time.sleep(max(0.0, start + sent / options["rate"] - time.monotonic()))
            for info in infos:
                info.wait_for_publish(30)
        finally:
            client.disconnect()
            client.loop_stop()
        self.stdout.write(
            f"published {len(infos)} events from {len(fleet)} devices in "
            f"{time.monotonic() - start:.0f} s ({stuck.external_id} stuck, "
            f"{silent.external_id} silent after {options['duration'] / 3:.0f} s)"
        )
