from django.core.management.base import BaseCommand

from khareetaty.audit.services import audit_checkpoint


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head to the log and the checkpoint file."

    def handle(self, *args, **options) -> None:
        checkpoint = audit_checkpoint()
        if checkpoint is None:
            self.stdout.write("Nothing new to anchor (empty trail, or head already anchored).")
            return
        self.stdout.write(f"Checkpoint at entry {checkpoint.entry_id} ({checkpoint.entry_hash}).")
