"""The iot part of `setup_demo` (found by name): a demo fleet, a gunshot heard by two
sensors that becomes a sensor incident, and a silent device with its alert. Idempotent."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from commands.models import AlertRule
from iot.choices import Door
from iot.models import Candidate, Device
from iot.services.devices import device_for_key
from iot.services.health import devices_check
from iot.services.ingest import Message, messages_ingest
from iot.services.promotion import candidate_promote
from iot.simulation import event_body, fleet_ensure

AGENCY = "demo"
DAY = 24 * 3600


def _without_key(body: dict) -> dict:
    body.pop("key")
    return body


class Command(BaseCommand):
    help = "Demo IoT devices, one sensor-born incident and one silent-device alert."

    def handle(self, *args, **options) -> None:
        fleet = fleet_ensure(count=30, agency=AGENCY, heartbeat_seconds=DAY)
        AlertRule.objects.get_or_create(
            name="Silent IoT device",
            defaults={
                "kind": "silent_device",
                "severity": "medium",
                "params": {},
                "cooldown_minutes": 60,
            },
        )
        now = timezone.now()
        beats = [
            Message(
                door=Door.HTTPS,
                body={},
                received_at=now,
                heartbeat=True,
                owner=device_for_key(d.key),
            )
            for d in fleet[:-1]
        ]
        messages_ingest(beats)
        if not Candidate.objects.filter(incident__isnull=False, group="gunshot").exists():
            witnesses = fleet[0:2]  # one acoustic cluster
            at = now - timedelta(minutes=3)
            shots = [
                Message(
                    door=Door.HTTPS,
                    body=_without_key(event_body(d, type="gunshot", confidence=0.8, at=at)),
                    received_at=now,
                    owner=device_for_key(d.key),
                )
                for d in witnesses
            ]
            result = messages_ingest(shots)
            # At once, not only through the queued task: the demo must not wait for a worker
            # (the task then finds the candidate promoted and does nothing).
            incidents = [candidate_promote(candidate_id=pk) for pk in result.promotions]
            self.stdout.write(f"sensor incidents: {incidents}")
        silent = Device.objects.get(pk=fleet[-1].pk)
        if silent.silent_since is None:
            Device.objects.filter(pk=silent.pk).update(
                heartbeat_seconds=300, last_seen_at=now - timedelta(hours=2)
            )
        result = devices_check()
        self.stdout.write(
            f"{len(fleet)} demo devices; silent: {result.silenced or 'already alerted'}; "
            f"alerts: {result.alert_ids}"
        )
