"""Fault drills against the project-local services (never a shared or production cluster).

Each scenario starts the web tier as the Procfile does, keeps a steady stream of requests
on it, injects one fault and records what the clients saw, second by second:

* ``postgres-restart``: PostgreSQL restarted (``pg_ctl restart -m fast``) under load.
  Expected: /readyz?scope=web answers 503 while it is down, then 200 again without
  restarting the web processes; the incident count is the same before and after.
* ``redis-restart``: Redis stopped and started again under load (a project-local Redis with
  append-only persistence so queued messages survive, as in docker-compose.yml).
  Expected: /readyz 503 while it is down, then 200; the Celery queue's messages still there.

Prints one JSON line per scenario. Usage (after `make bootstrap`; uses var/local.env)::

    .venv/bin/python bench/faults.py postgres-restart redis-restart
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from incidents.models import Incident  # noqa: E402
from khareetaty.testing import free_port  # noqa: E402


def local_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / "var" / "local.env").read_text().splitlines():
        name, _, value = line.partition("=")
        values[name] = value
    return values


def start_web(port: int, extra: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        **extra,
        "DB_POOL_MAX_SIZE": "4",
        "READYZ_CACHE_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
    }
    uvicorn = Path(sys.executable).parent / "uvicorn"
    server = subprocess.Popen(
        [
            str(uvicorn),
            "khareetaty.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--no-proxy-headers",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("web did not start")


class Prober(threading.Thread):
    """GET /readyz?scope=web every 100 ms; records (elapsed s, status)."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.started = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(f"{self.base}/readyz?scope=web", timeout=5) as r:  # noqa: S310
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0  # connection refused or reset: the web process itself failed
            self.samples.append((time.monotonic() - self.started, status))
            time.sleep(0.1)

    def summary(self, fault_at: float, restored_at: float) -> dict:
        unready = [t for t, s in self.samples if s == 503]
        after = [t for t, s in self.samples if t > restored_at and s == 200]
        return {
            "probes": len(self.samples),
            "statuses": sorted({s for _, s in self.samples}),
            "first_503_after_fault_s": round(unready[0] - fault_at, 2) if unready else None,
            "ready_again_after_restore_s": round(after[0] - restored_at, 2) if after else None,
            "connection_failures": sum(1 for _, s in self.samples if s == 0),
            "http_500s": sum(1 for _, s in self.samples if s >= 500 and s != 503),
        }


def postgres_restart(base: str) -> dict:
    local = local_env()
    pg_home = local["KHAREETATY_PG_HOME"]
    pg_bin = sorted(Path("/usr/lib/postgresql").iterdir())[-1] / "bin"
    before = Incident.objects.count()
    connection.close()
    prober = Prober(base)
    prober.start()
    time.sleep(2)
    fault_at = time.monotonic() - prober.started
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_pg, str(pg_bin / "pg_ctl"), "-D", f"{pg_home}/pg", "stop", "-m", "fast"],
        check=True,
        capture_output=True,
    )
    time.sleep(5)  # down for 5 s
    subprocess.run(
        [
            *as_pg,
            str(pg_bin / "pg_ctl"),
            "-D",
            f"{pg_home}/pg",
            "-l",
            f"{pg_home}/log/postgresql.log",
            "-w",
            "start",
            "-o",
            f"-p {local['KHAREETATY_PG_PORT']} -k {pg_home}/run -c listen_addresses=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    restored_at = time.monotonic() - prober.started
    time.sleep(15)
    prober.stop.set()
    prober.join()
    after = Incident.objects.count()
    return {
        "scenario": "postgres-restart",
        "down_s": 5,
        **prober.summary(fault_at, restored_at),
        "incidents_before": before,
        "incidents_after": after,
    }


def redis_restart(base: str, redis_port: int, redis_dir: Path) -> dict:
    import redis

    client = redis.Redis(port=redis_port)
    client.rpush("fault-drill-queue", "message-1", "message-2")
    prober = Prober(base)
    prober.start()
    time.sleep(2)
    fault_at = time.monotonic() - prober.started
    client.shutdown(save=True)  # the append-only file keeps the queue
    time.sleep(5)
    start_redis(redis_port, redis_dir)
    restored_at = time.monotonic() - prober.started
    time.sleep(15)
    prober.stop.set()
    prober.join()
    kept = [
        item.decode() for item in redis.Redis(port=redis_port).lrange("fault-drill-queue", 0, -1)
    ]
    return {
        "scenario": "redis-restart",
        "down_s": 5,
        **prober.summary(fault_at, restored_at),
        "queued_messages_kept": kept == ["message-1", "message-2"],
    }


def start_redis(port: int, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--pidfile",
            str(directory / "redis.pid"),
        ],
        check=True,
        capture_output=True,
    )
    for _ in range(50):
        if (
            subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode
            == 0
        ):
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="+", choices=["postgres-restart", "redis-restart"])
    options = parser.parse_args()
    for scenario in options.scenarios:
        port = free_port()
        extra: dict[str, str] = {}
        redis_port = free_port()
        redis_dir = ROOT / "var" / "fault-redis"
        if scenario == "redis-restart":
            start_redis(redis_port, redis_dir)
            extra["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        web = start_web(port, extra)
        try:
            base = f"http://127.0.0.1:{port}"
            if scenario == "postgres-restart":
                result = postgres_restart(base)
            else:
                result = redis_restart(base, redis_port, redis_dir)
            result["web_restarted"] = web.poll() is not None
            print(json.dumps(result), flush=True)
        finally:
            web.terminate()
            web.wait(timeout=30)
            if scenario == "redis-restart":
                subprocess.run(
                    ["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], capture_output=True
                )


if __name__ == "__main__":
    main()
