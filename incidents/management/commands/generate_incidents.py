import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.generator import incidents_csv_generate


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = (
        "Write a realistic Kuwait demo CSV (kuwait profile columns): population-weighted places, "
        "daily and weekly rhythm, hotspots, and a small share of bad and duplicate rows. "
        "Deterministic for (count, days, seed, end)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=50_000, help="rows in the file")
        parser.add_argument("--days", type=int, default=730, help="days of history")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
        parser.add_argument("--end", type=_date, help="first day after the period (default today)")
        parser.add_argument(
            "--encoding", default="utf-8", choices=["utf-8", "utf-8-sig", "windows-1256"]
        )

    def handle(self, *args, **options) -> None:
        if options["count"] < 1 or options["days"] < 1:
            raise CommandError("--count and --days must be positive")
        result = incidents_csv_generate(
            path=options["out"],
            count=options["count"],
            days=options["days"],
            seed=options["seed"],
            end=options["end"],
            encoding=options["encoding"],
        )
        self.stdout.write(
            f"{result.rows} rows, {result.first_day} to {result.last_day}, written to "
            f"{result.path} in {result.seconds:.1f}s ({result.rows_per_second:,.0f} rows/s)"
        )
        self.stdout.write("rows: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
        self.stdout.write(
            "an ingest must report: " + ", ".join(f"{k} {v}" for k, v in result.expected.items())
        )
        for spot in result.hotspots:
            self.stdout.write(
                f"hotspot {spot.kind} {spot.category} at {spot.lat},{spot.lon} "
                f"({spot.start} to {spot.end}, {spot.rows} incidents)"
            )
