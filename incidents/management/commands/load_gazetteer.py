from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.choices import PlaceKind
from incidents.reference import ReferenceDataError
from incidents.reference.gazetteer import PlaceFields, places_load


class Command(BaseCommand):
    help = (
        "Load the gazetteer's areas and blocks (GeoJSON, shapefile or any vector file GDAL "
        "reads, in any CRS) and replace the profile's places of those kinds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--code-field", required=True, help="attribute holding the code")
        parser.add_argument("--name-field", required=True, help="attribute holding the name")
        parser.add_argument("--name-ar-field", help="attribute holding the Arabic name")
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--kind", choices=PlaceKind.values, help="every feature is this kind")
        kind.add_argument("--kind-field", help="attribute holding 'area' or 'block'")
        parser.add_argument("--parent-field", help="attribute holding a block's area code")
        parser.add_argument("--region-field", help="attribute holding an area's region code")
        parser.add_argument("--profile", default="kuwait", help="profile (default kuwait)")
        parser.add_argument("--srid", type=int, help="source CRS when the file declares none")
        parser.add_argument("--source", default="", help="label on the map (default: file name)")

    def handle(self, *args, file: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        fields = PlaceFields(
            code=options["code_field"],
            name=options["name_field"],
            name_ar=options["name_ar_field"],
            kind=options["kind"],
            kind_field=options["kind_field"],
            parent_field=options["parent_field"],
            region_field=options["region_field"],
        )
        try:
            report = places_load(
                path=file,
                profile=options["profile"],
                fields=fields,
                source=options["source"],
                source_srid=options["srid"],
            )
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"{report.loaded} places loaded"))
