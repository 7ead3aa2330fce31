import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def run_manage(
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    unset: tuple[str, ...] = (),
):
    """Run manage.py in a fresh process, as an operator would, and capture its output.
    ``unset`` names variables of this process's environment the child must not see."""
    full_env = {**os.environ, **(env or {})}
    for name in unset:
        full_env.pop(name, None)
    # Set by the browser-test harness (Playwright's loop in the test thread); never a real setting.
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )
