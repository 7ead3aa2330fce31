"""``manage.py evaluate_patrol --profile chicago``: the patrol efficiency backtest."""

import json
import time
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from patrol.core.backtest import BacktestConfig
from patrol.services.evaluation import backtest_store, patrol_backtest

REAL_DATA = {"chicago": "chicago_crimes_2014-11_to_2017-10.csv.gz"}


class Command(BaseCommand):
    help = "Backtest patrol plans against greedy and proportional allocation, shift by shift."

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="chicago")
        parser.add_argument(
            "--csv", type=Path, help="source CSV (default: the real data for the profile)"
        )
        parser.add_argument("--weeks", type=int, default=8)
        parser.add_argument("--units", type=int, default=40)
        parser.add_argument(
            "--work",
            type=float,
            default=1.0,
            help="CP-SAT deterministic time per shift (reproducible budget)",
        )
        parser.add_argument(
            "--time-limit", type=float, default=30.0, help="wall-clock safety cap per shift (s)"
        )
        parser.add_argument(
            "--jobs", type=int, default=1, help="processes solving days in parallel (same result)"
        )
        parser.add_argument("--end", help="local date after the last evaluated day")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--no-store", action="store_true", help="do not keep the report for the Analytics page"
        )

    def handle(self, *args, **options):
        path = options["csv"]
        if path is None:
            name = REAL_DATA.get(options["profile"])
            if name is None:
                raise CommandError("Give --csv for this profile.")
            path = (
                settings.BASE_DIR.parent / "shared" / "data" / "real" / name
            )  # ../shared/data/real
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        if not 1 <= options["weeks"] <= 26 or not 1 <= options["units"] <= 500:
            raise CommandError("--weeks is 1..26 and --units 1..500.")
        if not 1 <= options["jobs"] <= 64:
            raise CommandError("--jobs is 1..64.")
        config = BacktestConfig(
            weeks=options["weeks"],
            units=options["units"],
            work_limit=options["work"],
            time_limit_s=options["time_limit"],
            jobs=options["jobs"],
        )
        started = time.monotonic()
        end = pd.Timestamp(options["end"]) if options["end"] else None
        report = patrol_backtest(profile=options["profile"], path=path, config=config, end=end)
        report["seconds"] = round(time.monotonic() - started, 1)
        if not options["no_store"]:
            backtest_store(profile=options["profile"], report=report)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        per_hour = report["incidents_per_patrol_hour"]
        self.stdout.write(
            f"{report['shifts']} shifts to {report['end']}, {report['patrol_hours']} patrol hours"
        )
        for name in ("plan", "greedy", "proportional"):
            self.stdout.write(
                f"  {name:13s} {report['covered'][name]:10.1f} covered  {per_hour[name]:.4f}/patrol hour"
            )
        self.stdout.write(
            f"plan ÷ proportional = {report['plan_vs_proportional']}, plan ÷ greedy = {report['plan_vs_greedy']}"
        )
