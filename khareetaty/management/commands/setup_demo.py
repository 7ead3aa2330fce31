import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from khareetaty.accounts.choices import Role
from khareetaty.accounts.demo import demo_users_ensure

# Demo data steps, in order: each is a management command owned by its app.
DEMO_DATA_STEPS = [
    ("load_reference_data", [], {}),
]


class Command(BaseCommand):
    help = "Create the demo users (passwords printed once) and load the demo data. Idempotent."

    def handle(self, *args, **options) -> None:
        extra_roles = {"field": "field_supervisor"} if "field_supervisor" in Role.values else {}
        created = demo_users_ensure(extra_roles)
        credentials = Path(settings.VAR_DIR) / "demo-credentials.txt"
        if created:
            credentials.parent.mkdir(parents=True, exist_ok=True)
            lines = [f"{name}  {password}" for name, password in created.items()]
            credentials.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.chmod(credentials, 0o600)
            self.stdout.write(self.style.SUCCESS("Demo users created (passwords shown only now):"))
            for line in lines:
                self.stdout.write(f"    {line}")
            self.stdout.write(f"  (also saved, readable only by you, in {credentials})")
        elif credentials.exists():
            self.stdout.write(f"Demo users exist; their passwords are in {credentials}")
        available = get_commands()
        for name, args, kwargs in DEMO_DATA_STEPS:
            if name in available:
                call_command(name, *args, **kwargs)
