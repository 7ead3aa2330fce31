"""``manage.py ingest PATH [--profile NAME]``: ingest a file, or every file in a folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import ProfileError, available_profiles, load_profile

SUFFIXES = (".csv", ".json", ".geojson", ".txt", ".gz")


class Command(BaseCommand):
    help = "Ingest a CSV / JSON / GeoJSON file (or every such file in a folder) through the ETL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--profile",
            default="kuwait",
            help=f"source profile ({', '.join(available_profiles())})",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, path: Path, profile: str, no_progress: bool, **options) -> None:
        try:
            load_profile(profile)
        except ProfileError as exc:
            raise CommandError(exc.message) from exc
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES)
            )
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{path} does not exist.")
        batches = [self.ingest(file, profile, no_progress) for file in files]
        self.summary(batches)
        if any(b.status == "failed" for b in batches):
            raise CommandError("Some files failed; see the table above.")

    def ingest(self, file: Path, profile: str, no_progress: bool):
        with tqdm(
            desc=file.name, unit=" rows", unit_scale=True, disable=no_progress, file=self.stderr
        ) as bar:
            return batch_ingest_file(path=file, profile_name=profile, progress=bar.update)

    def summary(self, batches) -> None:
        header = (
            "batch",
            "file",
            "status",
            "received",
            "accepted",
            "duplicates",
            "rejected",
            "seconds",
        )
        rows = [header]
        for b in batches:
            seconds = (
                (b.finished_at - b.started_at).total_seconds()
                if b.started_at and b.finished_at
                else 0
            )
            rows.append(
                (
                    f"#{b.pk}",
                    b.file_name,
                    b.status,
                    b.received,
                    b.accepted,
                    b.duplicates,
                    b.rejected,
                    f"{seconds:.1f}",
                )
            )
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
        for n, row in enumerate(rows):
            self.stdout.write(
                "  ".join(
                    str(v).rjust(w) if isinstance(v, int) else str(v).ljust(w)
                    for v, w in zip(row, widths, strict=True)
                )
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        for b in batches:
            if b.error_message:
                self.stdout.write(self.style.ERROR(f"#{b.pk} {b.file_name}: {b.error_message}"))
