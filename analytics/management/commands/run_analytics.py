"""``manage.py run_analytics``: the nightly chain by hand, with progress per step."""

import json

from django.core.management.base import BaseCommand, CommandError

from analytics.choices import RunTrigger
from analytics.services.runs import analytics_run_execute, analytics_run_request


class Command(BaseCommand):
    help = "Run the analytics chain (intake sweep, hotspots, forecasts, risk map, evaluation) now."

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="kuwait")
        parser.add_argument("--end", help="Local date ending the data window (default: today).")
        parser.add_argument(
            "--skip", action="append", default=[], help="Step to skip (repeatable)."
        )
        parser.add_argument(
            "--params", default="{}", help="JSON run parameters, e.g. per-step settings."
        )
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="Queue for a worker."
        )

    def handle(self, *args, **options):
        try:
            parameters = json.loads(options["params"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--params is not JSON: {exc}") from exc
        if options["end"]:
            parameters["end"] = options["end"]
        parameters["skip"] = sorted(set(parameters.get("skip", [])) | set(options["skip"]))
        run, created = analytics_run_request(
            profile=options["profile"],
            trigger=RunTrigger.COMMAND,
            parameters=parameters,
            enqueue=options["run_async"],
        )
        if not created:
            self.stdout.write(
                self.style.WARNING(f"Run {run.pk} is already running; not starting another.")
            )
            return
        if options["run_async"]:
            self.stdout.write(f"Queued run {run.pk}.")
            return
        self.stdout.write(f"Run {run.pk} ({run.profile}) started.")
        run = analytics_run_execute(run_id=run.pk, progress=self._progress)
        style = self.style.SUCCESS if run.status == "succeeded" else self.style.WARNING
        self.stdout.write(style(f"Run {run.pk} {run.status} in {run.duration_seconds:.1f} s."))
        if run.error:
            self.stdout.write(run.error.splitlines()[0])

    def _progress(self, step):
        line = f"  {step.kind:<11} {step.status:<10} {step.duration_seconds or 0:7.2f} s"
        summary = {
            k: step.metrics.get(k)
            for k in ("hotspots", "series", "rows", "cells", "forecaster", "fallback")
            if k in step.metrics
        }
        counts = step.metrics.get("counts", {})
        if counts.get("accuracy") is not None:
            summary["accuracy"] = round(counts["accuracy"], 3)
            summary["skill"] = None if counts.get("skill") is None else round(counts["skill"], 3)
        if step.error:
            summary["error"] = step.error.splitlines()[0]
        self.stdout.write(f"{line} {json.dumps(summary, default=str)}")
