from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from khareetaty.accounts.choices import Role
from khareetaty.accounts.demo import demo_users_ensure


def demo_data_steps(
    demo_dir: Path, *, count: int = 150_000, days: int = 730
) -> list[tuple[str, list[str], dict]]:
    """The demo, through the real commands of each app: reference data, two years of
    generated Kuwait incidents ingested by the ETL, then one analytics run."""
    csv_path = str(demo_dir / "kuwait_incidents.csv")
    return [
        ("generate_incidents", [], {"count": count, "days": days, "seed": 7, "out": csv_path}),
        ("ingest", [csv_path], {"profile": "kuwait"}),
        ("run_analytics", [], {}),
    ]


class Command(BaseCommand):
    help = "Create the demo users (passwords printed once) and load the demo data. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users-only", action="store_true", help="skip the demo data")
        parser.add_argument("--incidents", type=int, default=150_000, help="generated rows")
        parser.add_argument("--days", type=int, default=730, help="days of generated history")

    def handle(self, *args, **options) -> None:
        self._users()
        call_command("load_reference_data")
        if options["users_only"]:
            return
        demo_dir = Path(settings.VAR_DIR) / "demo"
        done_marker = demo_dir / "loaded"
        if done_marker.exists():
            self.stdout.write("Demo data already loaded (make reset starts over).")
        else:
            demo_dir.mkdir(parents=True, exist_ok=True)
            steps = demo_data_steps(demo_dir, count=options["incidents"], days=options["days"])
            for name, args, kwargs in steps:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Demo data: {name}"))
                call_command(name, *args, **kwargs)
            done_marker.touch()
        # Rules, teams, fresh alerts and tasks (the commands app's part; by name, so the
        # project package does not import a higher app).
        self.stdout.write(self.style.MIGRATE_HEADING("Demo data: setup_command_demo"))
        call_command("setup_command_demo")
        # Higher apps name their own demo command on their AppConfig (``demo_command``).
        for app_config in apps.get_app_configs():
            name = getattr(app_config, "demo_command", "")
            if name:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Demo data: {name}"))
                call_command(name)

    def _users(self) -> None:
        created = demo_users_ensure(
            {"field": Role.FIELD_SUPERVISOR, "field2": Role.FIELD_SUPERVISOR}
        )
        credentials = Path(settings.VAR_DIR) / "demo-credentials.txt"
        if not created:
            self.stdout.write(f"Demo users exist; their passwords are in {credentials}")
            return
        credentials.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}  {password}" for name, password in created.items()]
        credentials.write_text("\n".join(lines) + "\n", encoding="utf-8")
        credentials.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Demo users created (passwords shown only now):"))
        for line in lines:
            self.stdout.write(f"    {line}")
        self.stdout.write(f"  (also saved, readable only by you, in {credentials})")
