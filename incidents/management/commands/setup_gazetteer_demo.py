"""The gazetteer part of ``setup_demo`` (found by name): demo areas and blocks for Kuwait,
written as a GeoJSON file and loaded through ``load_gazetteer`` like real data. Squares
labelled as demo, never real boundaries; a gazetteer loaded from real data is kept."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from incidents.models import Place
from incidents.reference.gazetteer_demo import DEMO_SOURCE, demo_gazetteer_write


class Command(BaseCommand):
    help = "Load demo areas and blocks for the Kuwait profile (not real boundaries). Idempotent."

    def handle(self, *args, **options) -> None:
        real = Place.objects.filter(profile="kuwait").exclude(source=DEMO_SOURCE)
        if real.exists():
            self.stdout.write("A gazetteer is loaded already; the demo one is not needed.")
            return
        path = demo_gazetteer_write(
            Path(settings.VAR_DIR) / "demo" / "kuwait_gazetteer_demo.geojson"
        )
        call_command(
            "load_gazetteer",
            str(path),
            code_field="code",
            name_field="name",
            name_ar_field="name_ar",
            kind_field="kind",
            parent_field="area",
            region_field="region",
            profile="kuwait",
            source=DEMO_SOURCE,
            stdout=self.stdout,
        )
