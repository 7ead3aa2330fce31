"""The production image and compose file, checked by reading them (no Docker engine here):
no secrets or local state in the build context, no test or development tools in the image,
no superuser for the application (issue 15, items 8 and 9)."""

import fnmatch
import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEV_TOOLS = ("pytest", "pytest-django", "ruff", "playwright", "factory-boy", "bandit", "pip-tools")


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matches(path: str, pattern: str) -> bool:
    """Docker's rule: a pattern matches a path or any of its parent folders."""
    pattern = pattern.strip("/")
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for prefix in prefixes:
        if fnmatch.fnmatchcase(prefix, pattern):
            return True
        if pattern.startswith("**/") and any(
            fnmatch.fnmatchcase("/".join(prefix.split("/")[i:]), pattern[3:])
            for i in range(len(prefix.split("/")))
        ):
            return True
    return False


def excluded_from_build_context(path: str) -> bool:
    excluded = False
    for pattern in dockerignore_patterns():
        if pattern.startswith("!"):
            if _matches(path, pattern[1:]):
                excluded = False
        elif _matches(path, pattern):
            excluded = True
    return excluded


def test_secrets_local_state_and_tests_stay_out_of_the_build_context():
    for path in (
        ".env",
        ".env.production",
        "var/secret-key",
        "var/audit-hmac-key",
        "var/pg/PG_VERSION",
        "var/audit/checkpoints.jsonl",
        ".venv/bin/python",
        ".git/HEAD",
        "khareetaty/__pycache__/settings.cpython-311.pyc",
        "khareetaty/tests/test_settings.py",
        "node_modules/x/index.js",
        ".pytest_cache/v/cache",
    ):
        assert excluded_from_build_context(path), path
    for path in ("manage.py", "khareetaty/settings/base.py", "requirements.txt", "static/js/x.js"):
        assert not excluded_from_build_context(path), path


def dockerfile_stages() -> list[list[str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_image_installs_runtime_requirements_only():
    stages = dockerfile_stages()
    runtime = stages[-1]
    installs = [line for stage in stages for line in stage if "pip install" in line]
    assert installs and all("-r requirements.txt" in line for line in installs), installs
    assert not any("requirements-dev" in line for stage in stages for line in stage)
    # The final stage takes files only from the build stage (already filtered, built).
    copies = [line for line in runtime if line.upper().startswith(("COPY", "ADD"))]
    assert copies and all("--from=build" in line for line in copies), copies
    assert not any(tool in " ".join(runtime) for tool in ("gettext", "pytest", "ruff"))
    runtime_pins = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    assert runtime_pins.isdisjoint(DEV_TOOLS)
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev
    assert all(re.search(rf"^{tool}==", dev, re.MULTILINE) for tool in DEV_TOOLS)


def test_compose_runs_the_application_as_a_non_owner_role_and_migrates_as_the_owner():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    db_user = services["db"]["environment"]["POSTGRES_USER"]
    assert db_user not in ("khareetaty", "khareetaty_app")
    for name in ("web", "worker", "alerts-worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgis://khareetaty_app:"), name
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgis://khareetaty:")
    assert int(services["web"]["environment"]["DB_POOL_MAX_SIZE"]) > 0
    init = [v for v in services["db"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    script = ROOT / init[0].split(":")[0]
    assert "NOSUPERUSER" in script.read_text()
