"""Load curve: requests/s against p95 and errors, with the real mix of bench/locustfile.py.

Seeds ``--incidents`` incidents (bench/map_layer.py's seed) and some open alerts, signs in
``--accounts`` analysts (sessions and JWTs), starts uvicorn exactly as the Procfile does
(``--web-workers`` processes, DB_POOL_MAX_SIZE each), then runs locust headless once per
``--users`` level and prints one JSON line per level. Use your own database::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_load .venv/bin/python bench/load.py \\
        --users 10,20,40 --seconds 30
"""

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from map_layer import seed  # noqa: E402

from incidents.models import Category  # noqa: E402
from khareetaty.accounts.choices import Language, Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402
from khareetaty.accounts.tokens import CredentialBoundRefreshToken  # noqa: E402


def signed_in(index: int) -> dict:
    username = f"load-analyst-{index}"
    user = User.objects.filter(username=username).first() or user_create(
        username=username,
        password="Load-Password-42",  # noqa: S106 (a local benchmark user)
        role=Role.ANALYST,
        preferred_language=Language.ENGLISH,
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    access = str(CredentialBoundRefreshToken.for_user(user).access_token)
    return {"session": session.session_key, "access": access}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, pool: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DB_POOL_MAX_SIZE": str(pool),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
    }
    uvicorn = Path(sys.executable).parent / "uvicorn"
    args = [str(uvicorn), "khareetaty.asgi:application", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", str(workers), "--lifespan", "off"]
    args += ["--no-access-log", "--no-proxy-headers"]
    server = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def run_level(base: str, users: int, seconds: int, users_file: Path, work: Path) -> dict:
    prefix = work / f"u{users}"
    locust = Path(sys.executable).parent / "locust"
    subprocess.run(
        [
            str(locust),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 2)),
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        env={**os.environ, "KHAREETATY_LOAD_USERS": str(users_file)},
        check=False,
        capture_output=True,
        timeout=seconds + 120,
    )
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    return {
        "users": users,
        "requests": int(total["Request Count"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "failures": int(total["Failure Count"]),
        "failure_kinds": sorted({f"{row['Name']}: {row['Error'][:80]}" for row in failures}),
        "slowest_p95": sorted(
            ((row["Name"], float(row["95%"])) for row in rows if row["Name"] != "Aggregated"),
            key=lambda item: -item[1],
        )[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="10,20,40")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=10)
    options = parser.parse_args()
    seed(options.incidents)
    work = Path(tempfile.mkdtemp(prefix="khareetaty-load-"))
    users_file = work / "users.json"
    users_file.write_text(
        json.dumps(
            {
                "users": [signed_in(index) for index in range(options.accounts)],
                "categories": list(Category.objects.values_list("code", flat=True)),
            }
        )
    )
    port = free_port()
    server = start_server(port, options.web_workers, options.pool, work / "uvicorn.log")
    try:
        for users in (int(value) for value in options.users.split(",")):
            result = run_level(f"http://127.0.0.1:{port}", users, options.seconds, users_file, work)
            result.update(web_workers=options.web_workers, pool=options.pool, cpus=os.cpu_count())
            print(json.dumps(result), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    _ = settings


if __name__ == "__main__":
    main()
