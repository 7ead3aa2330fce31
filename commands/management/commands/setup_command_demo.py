from django.core.management.base import BaseCommand

from commands.services.demo import demo_command_setup


class Command(BaseCommand):
    help = (
        "Demo command centre: alert rules, field teams, and (once) fresh alerts and tasks "
        "in every column. Run by setup_demo; idempotent."
    )

    def handle(self, *args, **options) -> None:
        summary = demo_command_setup()
        self.stdout.write(
            f"Demo command centre: {summary.rules} new rules, {summary.teams} teams, "
            f"{summary.incidents} fresh incidents, {len(summary.alerts)} alerts raised, "
            f"escalating alert {summary.escalating}, tasks {summary.tasks}"
        )
