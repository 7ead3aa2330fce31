from django.core.management.base import BaseCommand, CommandError

from commands.policy import PolicyInvalid, policy_reload, policy_validate


class Command(BaseCommand):
    help = "Check config/escalation.yaml, or --reload it as the active policy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload", action="store_true", help="Apply the file after checking it."
        )

    def handle(self, *args, **options) -> None:
        try:
            if options["reload"]:
                version = policy_reload()
                self.stdout.write(
                    f"Loaded escalation policy version {version.pk} ({version.sha256[:12]})."
                )
            else:
                parsed = policy_validate()
                self.stdout.write(f"Valid: severities {', '.join(sorted(parsed['severities']))}.")
        except PolicyInvalid as exc:
            for error in exc.errors:
                self.stderr.write(
                    f"line {error.line}: {error.field or '(document)'}: {error.message}"
                )
            raise CommandError("The escalation policy is invalid.") from exc
