from django.core.management.base import BaseCommand

from commands.services.rules import rules_evaluate_batch, rules_evaluate_incidents


class Command(BaseCommand):
    help = "Evaluate the incident alert rules against incidents (by id) or an ingest batch."

    def add_arguments(self, parser):
        parser.add_argument("--incident", type=int, action="append", default=[])
        parser.add_argument("--batch", type=int)

    def handle(self, *args, **options) -> None:
        if options["batch"]:
            alerts = rules_evaluate_batch(batch_id=options["batch"])
        else:
            alerts = rules_evaluate_incidents(incident_ids=options["incident"])
        for alert in alerts:
            self.stdout.write(
                f"#{alert.pk} [{alert.severity}] {alert.title_en} (count {alert.count})"
            )
        self.stdout.write(f"{len(alerts)} alert(s) raised or repeated.")
