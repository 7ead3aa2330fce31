"""Compare the response measures of two periods (e.g. before and after go-live)."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from briefings.selectors.measures import GROUPS, response_compare
from incidents.profiles import served_profile


def _period(text: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    try:
        first, last = (dt.date.fromisoformat(part) for part in text.split(":"))
    except ValueError as error:
        raise CommandError(
            f"{text!r}: expected START:END dates, e.g. 2026-01-01:2026-02-01"
        ) from error
    if last <= first:
        raise CommandError(f"{text!r}: the end must be after the start")
    return dt.datetime.combine(first, dt.time(), tz), dt.datetime.combine(last, dt.time(), tz)


def _seconds(stats: dict | None, key: str) -> str:
    return "-" if stats is None else f"{stats[key]:.0f}"


def _change(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


class Command(BaseCommand):
    help = "Response times (median, 90th percentile) of two periods side by side, with the change."

    def add_arguments(self, parser):
        parser.add_argument(
            "--first", required=True, help="START:END dates (end excluded), profile zone"
        )
        parser.add_argument("--second", required=True, help="START:END dates (end excluded)")
        parser.add_argument("--by", default="all", choices=list(GROUPS))
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        tz = ZoneInfo(served_profile()[1])
        rows = response_compare(
            first=_period(options["first"], tz),
            second=_period(options["second"], tz),
            by=options["by"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, default=str))
            return
        self.stdout.write(
            f"{'measure':<18} {'group':<20} {'median 1':>9} {'median 2':>9} {'change':>8} "
            f"{'p90 1':>8} {'p90 2':>8} {'change':>8}"
        )
        for row in rows:
            first, second = row["first"], row["second"]
            self.stdout.write(
                f"{row['measure']:<18} {row['label'][:20]:<20} {_seconds(first, 'median_seconds'):>9} "
                f"{_seconds(second, 'median_seconds'):>9} {_change(row['median_change']):>8} "
                f"{_seconds(first, 'p90_seconds'):>8} {_seconds(second, 'p90_seconds'):>8} "
                f"{_change(row['p90_change']):>8}"
            )
