from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.reference import ReferenceDataError, regions_load


class Command(BaseCommand):
    help = (
        "Load region boundaries (GeoJSON, shapefile or any vector file GDAL reads, in any CRS) "
        "and replace the profile's regions. Invalid geometry is repaired and reported."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--code-field", required=True, help="attribute holding the region code")
        parser.add_argument(
            "--name-field", required=True, help="attribute holding the English name"
        )
        parser.add_argument("--name-ar-field", help="attribute holding the Arabic name")
        parser.add_argument("--profile", default="kuwait", help="region profile (default kuwait)")
        parser.add_argument("--srid", type=int, help="source CRS when the file declares none")

    def handle(self, *args, file: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            report = regions_load(
                path=file,
                profile=options["profile"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                name_ar_field=options["name_ar_field"],
                source_srid=options["srid"],
            )
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        if report.repaired:
            self.stdout.write(self.style.WARNING(f"{len(report.repaired)} geometries repaired"))
        self.stdout.write(self.style.SUCCESS(f"{report.loaded} regions loaded"))
