"""``manage.py fail_stale_batches [--minutes N]``: what Beat runs every ten minutes."""

import datetime as dt

from django.core.management.base import BaseCommand

from incidents.pipeline.services import batch_fail_stale


class Command(BaseCommand):
    help = (
        "Mark failed the ingest batches still running INGEST_STALE_BATCH_MINUTES (or "
        "--minutes) after they started: their worker died."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, help="default: INGEST_STALE_BATCH_MINUTES")

    def handle(self, *args, minutes: int | None = None, **options) -> None:
        older_than = dt.timedelta(minutes=minutes) if minutes else None
        failed = batch_fail_stale(older_than=older_than)
        self.stdout.write(f"Stale batches marked failed: {', '.join(map(str, failed)) or 'none'}.")
