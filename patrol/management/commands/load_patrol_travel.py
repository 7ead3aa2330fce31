"""``manage.py load_patrol_travel --profile kuwait travel.csv``: load the travel-time table
between regions (columns ``from_region,to_region,minutes``), replacing the profile's."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khareetaty.exceptions import ApplicationError
from patrol.services.travel import travel_table_load


class Command(BaseCommand):
    help = "Load the patrol travel-time table (CSV: from_region,to_region,minutes)."

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument("--profile", default="kuwait")

    def handle(self, *args, **options):
        path: Path = options["csv"]
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        try:
            text = path.read_text(encoding="utf-8-sig")
            count = travel_table_load(profile=options["profile"], text=text)
        except (ApplicationError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{count} travel times loaded for {options['profile']}.")
