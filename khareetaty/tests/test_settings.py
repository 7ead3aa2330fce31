"""Production settings: refuse to start insecurely, and pass Django's deployment checks."""

import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from django.conf import settings

from khareetaty.tests.helpers import run_manage

# A deployment has no var/local.env (which gives a local installation its own key files).
EMPTY_VAR_DIR = tempfile.mkdtemp(prefix="khareetaty-no-var-")
PRODUCTION_ENV = {
    "KHAREETATY_VAR_DIR": EMPTY_VAR_DIR,
    "SECRET_KEY_FILE": "",
    "AUDIT_HMAC_KEY_FILE": "",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "AUDIT_HMAC_KEY": secrets.token_urlsafe(64),
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
        "SECRET_KEY": "django-" + "insecure-development-only-key-never-use-in-production",
    }
    assert run_manage("check", env=env, check=False).returncode != 0


def test_debug_mode_does_not_fall_back_to_a_known_key_either():
    for name in ("SECRET_KEY", "AUDIT_HMAC_KEY"):
        env = {**PRODUCTION_ENV, "DEBUG": "true", name: ""}
        result = run_manage("check", env=env, check=False)
        assert result.returncode != 0
        assert f"{name} must be set" in result.stderr


def test_debug_is_off_by_default():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env=PRODUCTION_ENV,
        unset=("DEBUG",),
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_no_development_key_is_left_in_the_repository():
    tracked = (
        subprocess.run(
            ["git", "ls-files", "-z"], cwd=settings.BASE_DIR, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    marker = "django-" + "insecure"
    offenders = [
        name
        for name in tracked
        if name
        and (settings.BASE_DIR / name).is_file()
        and marker in (settings.BASE_DIR / name).read_text(errors="ignore")
        and not name.endswith("khareetaty/tests/test_settings.py")
    ]
    assert offenders == []


def make_local_installation(var_dir: Path) -> dict[str, str]:
    """What scripts/bootstrap.sh does for a local installation's keys."""
    script = settings.BASE_DIR / "scripts" / "local_secrets.sh"
    subprocess.run([str(script), str(var_dir)], check=True, timeout=30)
    (var_dir / "local.env").write_text(
        f"SECRET_KEY_FILE={var_dir / 'secret-key'}\n"
        f"AUDIT_HMAC_KEY_FILE={var_dir / 'audit-hmac-key'}\n"
    )
    return {"KHAREETATY_VAR_DIR": str(var_dir)}


def test_each_local_installation_gets_its_own_private_keys_kept_across_runs(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    make_local_installation(first)
    keys = {name: (first / name).read_text() for name in ("secret-key", "audit-hmac-key")}
    make_local_installation(first)  # a second `make run` keeps them
    for name, value in keys.items():
        assert (first / name).read_text() == value
        assert len(value) >= 64
        assert oct((first / name).stat().st_mode & 0o777) == "0o600"
    make_local_installation(second)
    assert (second / "secret-key").read_text() != keys["secret-key"]
    assert keys["secret-key"] != keys["audit-hmac-key"]


def test_a_local_installation_signs_with_its_own_key(tmp_path):
    env = make_local_installation(tmp_path)
    code = (
        "from django.conf import settings as s; "
        "print(s.SECRET_KEY == s.SIMPLE_JWT['SIGNING_KEY'], s.SECRET_KEY, s.DEBUG)"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        env=env,
        unset=("DEBUG", "SECRET_KEY", "AUDIT_HMAC_KEY", "SECRET_KEY_FILE", "AUDIT_HMAC_KEY_FILE"),
    )
    same, key, debug = result.stdout.splitlines()[-1].split()
    assert same == "True" and debug == "False"
    assert key == (tmp_path / "secret-key").read_text().strip()


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
    parts = sorted((settings.BASE_DIR / "khareetaty" / "settings").glob("*.py"))
    source = "\n".join(part.read_text() for part in parts)
    used = set(re.findall(r'env_(?:str|secret|bool|int|list|networks)\(\s*"([A-Z_]+)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXIES", "EMAIL_URL"} <= used
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
