"""The MQTT door: a long-running consumer of ``<root>/<agency>/<device>/events`` and
``…/heartbeat`` (QoS 1) that stores what arrives in batches through ``messages_ingest``.

Nothing is lost between broker and database: the session is persistent (fixed client id,
clean_session off), so the broker keeps QoS-1 messages while the consumer is away, and a
message is acknowledged only after its batch committed. A resend after a crash or reconnect
lands on the events' dedup key and is counted as a duplicate, not stored twice. paho
reconnects with exponential back-off; a database outage stops the acks (the broker holds the
messages) and the batch is retried with back-off.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from iot.choices import Door
from iot.services.ingest import Message, messages_ingest

logger = logging.getLogger(__name__)


@dataclass
class Stats:
    messages: int = 0
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    heartbeat: int = 0
    batches: int = 0
    connects: int = 0
    promotions: int = 0  # candidates whose promotion to an incident was enqueued


@dataclass
class _Arrived:
    mid: int
    qos: int
    topic: str
    payload: bytes
    received_at: datetime
    generation: int


class Consumer:
    """One consumer: ``run()`` until ``stop()``; ``stats`` counts what it did."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        user: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self.host = host or settings.MQTT_HOST
        self.port = port or settings.MQTT_PORT
        self.stats = Stats()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._queue: queue.Queue[_Arrived] = queue.Queue()
        self._generation = 0
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or settings.MQTT_CLIENT_ID,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        self.client.username_pw_set(
            user or settings.MQTT_USER,
            settings.MQTT_PASSWORD if password is None else password,
        )
        self.client.reconnect_delay_set(1, settings.MQTT_RECONNECT_MAX_SECONDS)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT broker refused the consumer: %s", reason_code)
            return
        self._generation += 1
        self.stats.connects += 1
        root = settings.MQTT_TOPIC_ROOT
        if settings.MQTT_SHARED_GROUP:  # one of the group's consumers gets each message
            root = f"$share/{settings.MQTT_SHARED_GROUP}/{root}"
        client.subscribe([(f"{root}/+/+/events", 1), (f"{root}/+/+/heartbeat", 1)])
        logger.info("MQTT consumer connected to %s:%s", self.host, self.port)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        logger.warning("MQTT consumer disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        self._queue.put(
            _Arrived(msg.mid, msg.qos, msg.topic, msg.payload, datetime.now(UTC), self._generation)
        )

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> Stats:
        """Connect (retrying with back-off) and store batches until stopped."""
        self.client.connect_async(self.host, self.port, keepalive=settings.MQTT_KEEPALIVE)
        self.client.loop_start()
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                if batch:
                    self._store_with_retry(batch)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
        return self.stats

    def _next_batch(self) -> list[_Arrived]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + settings.IOT_BATCH_MS / 1000
        while len(batch) < settings.IOT_BATCH_MAX:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._queue.get(timeout=max(remaining, 0))
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _store_with_retry(self, batch: list[_Arrived]) -> None:
        delay = 0.5
        while True:
            try:
                self._store(batch)
                return
            except (OperationalError, InterfaceError):
                logger.exception("database unavailable; retrying in %.1f s", delay)
                close_old_connections()
            except Exception:  # a bug: never let one batch stop the consumer
                # Unacknowledged, the batch is tried again (it was not committed: a failure
                # after the commit is handled by messages_ingest).
                logger.exception("storing a batch failed; retrying in %.1f s", delay)
            if self._stop.wait(delay):
                return  # not acknowledged: the broker delivers it again
            delay = min(delay * 2, settings.MQTT_RECONNECT_MAX_SECONDS)

    def _store(self, batch: list[_Arrived]) -> None:
        messages = [
            Message(
                door=Door.MQTT,
                body=item.payload,
                received_at=item.received_at,
                topic=item.topic,
                heartbeat=item.topic.endswith("/heartbeat"),
            )
            for item in batch
        ]
        result = messages_ingest(messages)
        for item in batch:
            # An ack of an earlier connection's message id would acknowledge another message;
            # the broker redelivers those, and the dedup key absorbs the repeat.
            if item.qos and item.generation == self._generation:
                self.client.ack(item.mid, item.qos)
        self._count(result)

    def _count(self, result) -> None:
        self.stats.batches += 1
        self.stats.messages += len(result.outcomes)
        for status in ("stored", "duplicate", "rejected", "heartbeat"):
            setattr(self.stats, status, getattr(self.stats, status) + result.count(status))
        self.stats.promotions += len(result.promotions)
