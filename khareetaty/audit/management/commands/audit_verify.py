from django.core.management.base import BaseCommand, CommandError

from khareetaty.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken entry."

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Audit chain broken at entry {result.first_broken_id}: {result.reason} "
                f"({result.checked} entries verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} entries."))
