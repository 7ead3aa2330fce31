from django.core.management.base import BaseCommand

from commands.services.escalation import escalation_tick
from commands.services.field_tasks import tasks_raise_overdue


class Command(BaseCommand):
    help = "Move open alerts along their escalation policy and raise alerts for overdue tasks (what Beat runs every minute)."

    def handle(self, *args, **options) -> None:
        fired = escalation_tick()
        overdue = tasks_raise_overdue()
        self.stdout.write(
            f"Escalation steps fired: {fired}; overdue tasks alerted: {len(overdue)}."
        )
