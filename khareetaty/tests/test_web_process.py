"""The web process as `make run` and the deployments start it: uvicorn (ASGI), DEBUG off, the
non-owner application role, psycopg's connection pool (issue 15, items 0/13 and 2b)."""

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from khareetaty.accounts.choices import Role
from khareetaty.accounts.tokens import CredentialBoundRefreshToken
from khareetaty.testing import free_port

ROOT = Path(settings.BASE_DIR)
POOL_MAX = 4
CLIENTS = 24
LOAD_SECONDS = 6


def procfile_web_arguments(port: int) -> list[str]:
    """uvicorn's arguments exactly as the Procfile's web process gives them."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = line.split("uvicorn", 1)[1].split()
    values = {"${KHAREETATY_HOST:-127.0.0.1}": "127.0.0.1", "${KHAREETATY_PORT:-8000}": str(port)}
    return [values.get(argument, argument) for argument in command]


@contextlib.contextmanager
def running_web_process(port: int, env: dict[str, str], log_path: Path):
    """uvicorn as the Procfile starts it, until it answers /healthz; its base URL.

    The server's log goes to a file: a pipe nobody reads fills up under load (a warning per
    throttled request) and blocks the server mid-response."""
    uvicorn = Path(sys.executable).parent / "uvicorn"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(uvicorn), *procfile_web_arguments(port)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    assert server.poll() is None, log_path.read_text()
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)


def make_run_environment(port: int, static_root: Path, database_name: str) -> dict[str, str]:
    """`make run`'s variables (Makefile, Procfile), pointed at the test database."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY_FILE", "AUDIT_HMAC_KEY_FILE"):
        env.pop(name, None)
    env.update(
        SECRET_KEY=settings.SECRET_KEY,
        AUDIT_HMAC_KEY=settings.AUDIT_HMAC_KEY,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DATABASE_URL=(
            f"postgis://{settings.DB_APP_ROLE}@{db['HOST']}:{db['PORT']}/{database_name}"
        ),
        DB_POOL_MAX_SIZE=str(POOL_MAX),
        DB_POOL_MIN_SIZE="1",
        API_RATE_LIMIT="1000000/min",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def web_process(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    port = free_port()
    env = make_run_environment(port, tmp_path_factory.mktemp("static"), database_name)
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    subprocess.run(
        [sys.executable, manage, "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=180,
    )
    log_path = tmp_path_factory.mktemp("uvicorn") / "stderr.log"
    with running_web_process(port, env, log_path) as base:
        yield base


def app_connections(database_name: str) -> int:
    """Connections the application role holds to the test database right now."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=database_name, user=db["USER"], autocommit=True
    ) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
            [settings.DB_APP_ROLE, database_name],
        ).fetchone()[0]


async def hammer(url: str, token: str, seconds: float) -> dict[int, int]:
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            async with session.get(url, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(CLIENTS)))
    return statuses


@pytest.mark.django_db(transaction=True)
def test_connections_stay_within_the_pool_under_concurrent_load(web_process, make_user):
    user = make_user(Role.ANALYST)
    token = str(CredentialBoundRefreshToken.for_user(user).access_token)
    database_name = connection.settings_dict["NAME"]
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(app_connections(database_name))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        statuses = asyncio.run(hammer(f"{web_process}/api/auth/me", token, LOAD_SECONDS))
    finally:
        done.set()
        sampler.join()
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > 200
    assert max(samples) <= POOL_MAX, samples
    print(f"\n{sum(statuses.values())} requests, peak {max(samples)} connections")


def test_make_run_serves_pages_and_static_files_with_debug_off(web_process):
    with urllib.request.urlopen(f"{web_process}/accounts/login/", timeout=10) as response:  # noqa: S310
        page = response.read().decode()
    assert response.status == 200
    assert "Traceback" not in page
    static = page.split('href="/static/', 1)[1].split('"', 1)[0]
    assert "." in static.rsplit("/", 1)[-1].split(".", 1)[1]  # hashed name: manifest storage
    with urllib.request.urlopen(f"{web_process}/static/{static}", timeout=10) as response:  # noqa: S310
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{web_process}/no-such-page", timeout=10)  # noqa: S310
    assert missing.value.code == 404
    assert "URLconf" not in missing.value.read().decode()  # no DEBUG page


def test_a_forged_forwarded_for_header_does_not_change_the_client_address(web_process):
    """Only TRUSTED_PROXIES decides the client address: uvicorn must not rewrite it from
    X-Forwarded-For (it would by default for a peer on 127.0.0.1), so a local caller cannot
    pose as a remote one, nor a remote caller behind a local proxy as a local one."""
    forged = urllib.request.Request(  # noqa: S310 (a local http URL)
        f"{web_process}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    with urllib.request.urlopen(forged, timeout=10) as response:  # noqa: S310
        assert response.status == 200  # /metrics is loopback-only: the peer is still loopback
    for deployment in ("Procfile", "Dockerfile"):
        assert "no-proxy-headers" in (ROOT / deployment).read_text(), deployment


def test_the_multi_process_web_server_does_not_kill_a_busy_worker_after_5_seconds():
    """uvicorn's supervisor kills a worker that misses its health check (5 s by default); on a
    CPU-starved host (or a pod throttled at its CPU limit) that killed busy workers mid-request
    (bench/load.py, docs/availability.md). Every multi-process web command waits 30 s."""
    for deployment in ("Dockerfile", "deploy/kubernetes/web.yaml"):
        text = (ROOT / deployment).read_text()
        assert "--workers" in text, deployment
        setting = re.search(r"--timeout-worker-healthcheck\W+(\d+)", text)
        assert setting is not None and int(setting.group(1)) >= 30, deployment
