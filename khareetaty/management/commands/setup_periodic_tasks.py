from django.core.management.base import BaseCommand

from khareetaty.scheduling import periodic_task_specs, periodic_task_upsert


class Command(BaseCommand):
    help = "Create or update every periodic job (by name) in the Beat schedule."

    def handle(self, *args, **options) -> None:
        for spec in periodic_task_specs():
            task = periodic_task_upsert(spec)
            state = "enabled" if task.enabled else "paused"
            self.stdout.write(f"{spec.name}: {spec.task} ({state})")
