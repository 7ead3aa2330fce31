from django.core.management.base import BaseCommand

from interop.services.feeds import feeds_check


class Command(BaseCommand):
    help = "Raise feed_silence alerts for partner feeds past their cadence."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"alerts: {feeds_check()}")
