from django.core.management.base import BaseCommand

from iot.services.health import devices_check, events_upkeep


class Command(BaseCommand):
    help = "Run the IoT jobs by hand: partitions ahead and retention, then device health."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"partitions: {events_upkeep()}")
        result = devices_check()
        self.stdout.write(
            f"devices: {len(result.silenced)} fell silent, {len(result.returned)} returned, "
            f"{len(result.flagged)} flagged for their rate"
        )
