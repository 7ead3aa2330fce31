"""Production settings: refuse to start insecurely, and pass Django's deployment checks."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from khareetaty.tests.helpers import run_manage

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "khareetaty.example.kw",
    "CSRF_TRUSTED_ORIGINS": "https://khareetaty.example.kw",
}


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_manage("check", env=env, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    env = {
        **PRODUCTION_ENV,
        "SECRET_KEY": "django-insecure-development-only-key-never-use-in-production",
    }
    assert run_manage("check", env=env, check=False).returncode != 0


def test_check_deploy_passes_without_warnings_under_production_variables():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_bad_boolean_in_the_environment_stops_start_up():
    result = run_manage("check", env={"DEBUG": "maybe"}, check=False)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_every_environment_variable_is_documented_in_env_example():
    example = (settings.BASE_DIR / ".env.example").read_text()
    source = (settings.BASE_DIR / "khareetaty" / "settings.py").read_text()
    used = set(re.findall(r'env_(?:str|secret|bool|int|list)\(\s*"([A-Z_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    assert used - documented == set()


def test_compose_file_is_valid_against_the_compose_schema():
    result = check_compose_schema()
    assert result.returncode == 0, result.stdout + result.stderr
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])
    for name in ("db", "redis", "web"):
        assert "healthcheck" in compose["services"][name], name


def check_compose_schema() -> subprocess.CompletedProcess:
    """Validate docker-compose.yml offline against the Compose spec vendored by check-jsonschema."""
    binary = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [
            str(binary),
            "--builtin-schema",
            "vendor.compose-spec",
            str(settings.BASE_DIR / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
