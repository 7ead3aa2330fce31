"""Database connections of the web process under load, with and without psycopg's pool.

Starts uvicorn (as `make run` does: DEBUG off, the application role) twice against the
database named by DATABASE_URL (use your own scratch database, migrated, and an app role
that may connect to it): once with the pool (DB_POOL_MAX_SIZE, default 10) and, as the
reference in the same run, once with persistent per-thread connections (CONN_MAX_AGE=60, the
previous setting). Each run: N concurrent clients for S seconds on `/api/auth/me` (one user,
JWT), sampling `pg_stat_activity` every 100 ms. Prints JSON: requests/s, status counts, peak
and final connections.

    DATABASE_URL=postgis://khareetaty_app@127.0.0.1:54329/khareetaty \\
    OWNER_DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/khareetaty \\
        .venv/bin/python bench/db_pool.py --clients 16 --seconds 15
"""

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from khareetaty.accounts.choices import Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402
from khareetaty.testing import free_port  # noqa: E402


def connections(owner_url: str, role: str) -> int:
    url = urlparse(owner_url)
    with psycopg.connect(
        host=url.hostname,
        port=url.port,
        dbname=url.path[1:],
        user=url.username,
        password=url.password,
        autocommit=True,
    ) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
            [role, url.path[1:]],
        ).fetchone()[0]


async def load(url: str, token: str, clients: int, seconds: float) -> dict[int, int]:
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as r:
                    await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1
            except (aiohttp.ClientError, TimeoutError):
                statuses[0] = statuses.get(0, 0) + 1

    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    return statuses


def run(label: str, extra_env: dict, token: str, args) -> dict:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "1000000/min",
        **extra_env,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "khareetaty.asgi:application",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    role = urlparse(os.environ["DATABASE_URL"]).username
    samples: list[int] = []
    done = threading.Event()

    refused = 0

    def sample() -> None:
        nonlocal refused
        while not done.is_set():
            try:
                samples.append(connections(args.owner_url, role))
            except psycopg.OperationalError:  # no connection slot left, even to look
                refused += 1
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    statuses = asyncio.run(load(f"{base}/api/auth/me", token, args.clients, args.seconds))
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    final = connections(args.owner_url, role)
    server.terminate()
    server.wait(timeout=30)
    return {
        "setup": label,
        "requests_per_second": round(sum(statuses.values()) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "peak_connections": max(samples),
        "samples_refused_for_lack_of_slots": refused,
        "connections_at_end": final,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--pool-max", type=int, default=10)
    parser.add_argument("--owner-url", default=os.environ.get("OWNER_DATABASE_URL", ""))
    args = parser.parse_args()
    user = User.objects.filter(username="bench-pool").first() or user_create(
        username="bench-pool", password=secrets.token_urlsafe(24), role=Role.ANALYST
    )
    token = str(RefreshToken.for_user(user).access_token)
    connection.close()  # count the server's connections only
    results = [
        run("pool", {"DB_POOL_MAX_SIZE": str(args.pool_max), "DB_POOL_MIN_SIZE": "1"}, token, args),
        run(
            "reference: CONN_MAX_AGE=60",
            {"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "60"},
            token,
            args,
        ),
    ]
    with psycopg.connect(args.owner_url.replace("postgis://", "postgresql://")) as conn:
        max_connections = conn.execute("SHOW max_connections").fetchone()[0]
    print(
        json.dumps(
            {
                "clients": args.clients,
                "seconds": args.seconds,
                "max_connections": int(max_connections),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
