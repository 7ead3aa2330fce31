"""The operator guides exist, the README links them, and what they tell an operator to run
exists: management commands, make targets, files, environment variables; the cheap commands
are run."""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

from khareetaty.tests.helpers import run_manage

ROOT = Path(settings.BASE_DIR)
GUIDES = ["deployment", "operations", "availability", "twilio", "handoff"]


def _guide_text() -> str:
    return "\n".join((ROOT / "docs" / f"{name}.md").read_text() for name in GUIDES)


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    for name in [*GUIDES, "security"]:
        assert f"(docs/{name}.md)" in readme, name


def test_commands_targets_files_and_variables_in_the_guides_exist():
    text = _guide_text()
    commands = set(re.findall(r"manage\.py (\w+)", text))
    assert {"backup_create", "backup_restore", "escalation_policy", "load_regions"} <= commands
    assert commands - set(get_commands()) == set()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    assert set(re.findall(r"`make (\w+)", text)) - targets == set()
    paths = set(
        re.findall(
            r"`((?:bench|deploy|docs|khareetaty|commands|incidents|config|scripts)/[\w./-]+)`", text
        )
    )
    paths |= set(re.findall(r"\.venv/bin/python ((?:bench|deploy)/\w+\.py)", text))
    missing = [path for path in paths if not (ROOT / path.rstrip("/")).exists()]
    assert len(paths) > 20 and missing == []
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    variables = set(re.findall(r"`([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)`", text))
    # A setting in code (not the environment); a Kubernetes-only variable (in $(DB_HOST)).
    not_settings = {"CELERY_TASK_ROUTES", "DB_HOST", "LEAFLET_CONFIG"}
    assert variables - documented - not_settings == set()


def test_the_cheap_commands_of_the_guides_run():
    checked = run_manage("escalation_policy", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rendered = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "kustomize_build.py"),
            str(ROOT / "deploy" / "kubernetes"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.count("\nkind: ") + rendered.stdout.startswith("kind: ") > 25
