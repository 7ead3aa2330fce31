from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from interop.services.demo import interop_demo_ensure


class Command(BaseCommand):
    help = "Demo partner agency with an API key (printed once) and a sample push. Idempotent."

    def handle(self, *args, **options) -> None:
        demo = interop_demo_ensure()
        saved = Path(settings.VAR_DIR) / "demo-interop-key.txt"
        if demo.key is None:
            self.stdout.write(f"Demo agency exists; its key is in {saved}")
            return
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(demo.key + "\n", encoding="utf-8")
        saved.chmod(0o600)
        push = demo.push or {}
        self.stdout.write(self.style.SUCCESS("Demo agency API key (shown only now):"))
        self.stdout.write(f"    {demo.key}")
        self.stdout.write(f"  (also saved, readable only by you, in {saved})")
        self.stdout.write(
            f"  Sample push: batch {push.get('batch')}, {push.get('accepted')} accepted, "
            f"{push.get('duplicates')} duplicates, {push.get('rejected')} rejected"
        )
        self.stdout.write(
            "  Try: curl -H 'Authorization: Api-Key <key>' http://127.0.0.1:8000/api/interop/v1/me"
        )
