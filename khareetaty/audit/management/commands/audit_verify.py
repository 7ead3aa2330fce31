from django.core.management.base import BaseCommand, CommandError

from khareetaty.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail's keyed hash chain (AUDIT_HMAC_KEY) and the signed checkpoints "
        "in AUDIT_CHECKPOINT_FILE; report the first broken entry or checkpoint."
    )

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        if result.first_broken_id is not None:
            raise CommandError(
                f"Audit chain broken at entry {result.first_broken_id}: {result.reason} "
                f"({result.checked} entries verified before it)."
            )
        if result.problems:
            raise CommandError("Audit checkpoints do not hold: " + "; ".join(result.problems))
        if result.checked and not result.checkpoints:
            self.stdout.write(
                self.style.WARNING(
                    "No signed checkpoints found (AUDIT_CHECKPOINT_FILE): a truncated tail "
                    "would go unnoticed. Beat writes one every 5 minutes."
                )
            )
        if result.legacy:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.legacy} entries predate the keyed chain and are not verified."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries, "
                f"{result.checkpoints} signed checkpoints hold."
            )
        )
