from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from khareetaty.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the whole database (pg_dump custom format), the intake archive folder and the "
        "audit checkpoints into one tar file. Run as the schema owner role."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Folder for the backup file (default: <KHAREETATY_VAR_DIR>/backups).",
        )

    def handle(self, *args, **options) -> None:
        output_dir = options["output_dir"] or Path(settings.VAR_DIR) / "backups"
        try:
            path = backup_create(output_dir=output_dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path}"))
        self.stdout.write(str(path))
