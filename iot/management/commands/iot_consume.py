import logging
import signal

from django.core.management.base import BaseCommand

from iot.mqtt.consumer import Consumer


class Command(BaseCommand):
    help = "Consume device events and heartbeats from the MQTT broker (runs until stopped)."

    def handle(self, *args, **options) -> None:
        logging.basicConfig(level=logging.INFO)
        consumer = Consumer()
        signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
        signal.signal(signal.SIGINT, lambda *_: consumer.stop())
        stats = consumer.run()
        self.stdout.write(
            f"stopped: {stats.messages} messages, {stats.stored} stored, "
            f"{stats.duplicate} duplicates, {stats.rejected} rejected, {stats.heartbeat} heartbeats"
        )
