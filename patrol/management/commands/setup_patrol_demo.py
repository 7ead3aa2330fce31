from django.core.management.base import BaseCommand

from patrol.services.demo import demo_patrol_setup


class Command(BaseCommand):
    help = "Demo patrol units and shifts for Kuwait, and the next shifts' published plans."

    def handle(self, *args, **options) -> None:
        summary = demo_patrol_setup()
        self.stdout.write(f"Patrol demo: {summary}")
