from django.core.management.base import BaseCommand, CommandError

from incidents.reference import ReferenceDataError, reference_data_load_defaults


class Command(BaseCommand):
    help = (
        "Load the shipped reference data (Kuwait governorates and the nine demo categories). "
        "Idempotent: regions already loaded (e.g. official ones) and existing categories are kept."
    )

    def handle(self, *args, **options) -> None:
        try:
            report = reference_data_load_defaults()
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        if report.regions is None:
            self.stdout.write("regions: already loaded, kept")
        else:
            for line in report.regions.lines():
                self.stdout.write(line)
        categories = report.categories
        self.stdout.write(
            f"categories: {len(categories.created)} created, {len(categories.unchanged)} kept"
        )
