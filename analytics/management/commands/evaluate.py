"""``manage.py evaluate --profile NAME``: the accuracy report as a table."""

import json
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from analytics.core.evaluation import format_report
from analytics.profiles import AnalyticsProfile
from analytics.services.evaluation import (
    evaluation_frame_from_csv,
    evaluation_frame_from_db,
    evaluation_params_for,
    evaluation_run,
)


class Command(BaseCommand):
    help = "Backtest forecasts, risk map and hotspots over the last K weeks and print the report."

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="kuwait")
        parser.add_argument("--weeks", type=int, default=8)
        parser.add_argument(
            "--end", help="Local date ending the last fold (default: after the last incident)."
        )
        parser.add_argument(
            "--csv",
            type=Path,
            help="Read a source CSV with the profile's mapping instead of the database.",
        )
        parser.add_argument(
            "--regions", default="", help="Comma-separated region codes for the counts backtest."
        )
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--forecaster",
            choices=("gbm", "prophet"),
            help="Method scored as the model (default: the profile's, see settings).",
        )
        parser.add_argument(
            "--no-prophet",
            action="store_true",
            help="Skip Prophet alone and the Prophet blend beside the model (much faster).",
        )
        parser.add_argument(
            "--retrain-every",
            type=int,
            default=4,
            help="Folds served by one training of the global model (each still reads up to "
            "the day before its fold).",
        )
        parser.add_argument(
            "--select-weeks",
            type=int,
            default=4,
            help="Older folds, before the reported ones, on which the blend is chosen.",
        )
        parser.add_argument(
            "--no-spatial", action="store_true", help="Skip the risk map and hotspots backtest."
        )
        parser.add_argument(
            "--categories",
            action="store_true",
            help="Also backtest the region x category forecasts (the global model on the pairs "
            "with enough history, reconciled to the regions) beside the split by shares.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        context = AnalyticsProfile.load(options["profile"])
        regions = tuple(r for r in options["regions"].split(",") if r)
        if options["csv"]:
            if not options["csv"].exists():
                raise CommandError(f"{options['csv']} does not exist")
            frame = evaluation_frame_from_csv(context, options["csv"])
            end = (
                pd.Timestamp(options["end"])
                if options["end"]
                else frame["occurred_at"].max().normalize() + pd.Timedelta(days=1)
            )
        else:
            end = pd.Timestamp(options["end"]) if options["end"] else pd.Timestamp(context.today())
            probe = evaluation_params_for(context, end, weeks=options["weeks"])
            frame = evaluation_frame_from_db(context, end=end, params=probe)
        if frame.empty:
            raise CommandError(
                f"No incidents for profile {context.name!r} in the evaluation window."
            )
        extra = {"forecaster": options["forecaster"]} if options["forecaster"] else {}
        params = evaluation_params_for(
            context,
            end,
            weeks=options["weeks"],
            regions=regions,
            workers=options["workers"],
            compare_prophet=not options["no_prophet"],
            spatial=not options["no_spatial"],
            categories=options["categories"],
            retrain_every=max(1, options["retrain_every"]),
            select_weeks=max(1, options["select_weeks"]),
            **extra,
        )
        report = evaluation_run(context=context, frame=frame, end=end, params=params)
        self.stdout.write(
            json.dumps(report, indent=2, default=str) if options["json"] else format_report(report)
        )
