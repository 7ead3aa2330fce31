from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from khareetaty.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_create: the database (in one transaction), the intake "
        "archive and the audit checkpoints; then check the row counts against the backup's "
        "manifest and verify the audit chain. Run as the schema owner role."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The backup (.tar) to restore.")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(path=options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.mismatched_tables:
            details = ", ".join(
                f"{name}: {want} in backup, {got} now"
                for name, (want, got) in sorted(result.mismatched_tables.items())
            )
            raise CommandError(f"Restored, but row counts differ: {details}")
        self.stdout.write(
            f"Restored {len(result.row_counts)} tables (row counts match the backup) and "
            f"{result.intake_files} intake archive files."
        )
        call_command("audit_verify", stdout=self.stdout, stderr=self.stderr)
