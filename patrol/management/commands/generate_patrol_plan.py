"""``manage.py generate_patrol_plan``: a draft plan for a window (default: the next shift)."""

from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.profiles import load_profile
from khareetaty.exceptions import ApplicationError
from patrol.services.places import places_refresh
from patrol.services.plans import next_shift_windows, plan_generate


class Command(BaseCommand):
    help = "Generate a patrol plan (CP-SAT and the greedy baseline) for the next shift or a window."

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="kuwait")
        parser.add_argument(
            "--start", help="window start, ISO 8601 (default: the next shift change)"
        )
        parser.add_argument("--hours", type=int, default=8)
        parser.add_argument("--seed", type=int)
        parser.add_argument(
            "--refresh-places", action="store_true", help="rebuild places from the latest risk map"
        )

    def handle(self, *args, **options):
        tz = load_profile(options["profile"]).tz
        if options["start"]:
            start = datetime.fromisoformat(options["start"])
            start = start if start.tzinfo else start.replace(tzinfo=tz)
        else:
            start = next_shift_windows(tz=tz, now=timezone.now(), count=1)[0][0]
        try:
            if options["refresh_places"]:
                places_refresh(profile=options["profile"])
            plan = plan_generate(
                profile=options["profile"],
                window_start=start,
                window_end=start + timedelta(hours=options["hours"]),
                seed=options["seed"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Plan {plan.pk}: {plan.items.count()} items, objective {plan.objective:.3f} "
            f"(greedy {plan.greedy_objective:.3f}), {plan.solver_status}, gap {plan.gap}"
        )
