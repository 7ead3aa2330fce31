"""Load curve: requests/s against p95 and errors, with the real mix of bench/locustfile.py.

Seeds ``--incidents`` incidents (bench/map_layer.py's seed) and some open alerts, signs in
``--accounts`` analysts (sessions and JWTs; default one per simulated user, as in a real
command centre: the per-user API rate limit then only answers 429 to a user who really is
too fast), gives each a partner service account with an interop key, starts uvicorn as the
Procfile does (``--web-workers`` processes, DB_POOL_MAX_SIZE each; the application wrapped by
bench/timed_asgi.py, which logs the server's own time per request), then runs locust headless
once per ``--users`` level and prints one JSON line per level with:

* the client's view (locust): requests/s, p50/p95/p99, failures (429s counted apart);
* the server's view: median/p95 of its own time per request, and per route;
* CPU: milliseconds of CPU per request in the web processes and in their PostgreSQL backends
  (what the requests cost, whatever else runs on the machine), the load average, and the
  peak number of database connections the web tier held (the pool bounds it).

Use your own database::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_load .venv/bin/python bench/load.py \\
        --users 10,20,40 --seconds 30
"""

import argparse
import contextlib
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from map_layer import seed  # noqa: E402

from incidents.models import Category, Region  # noqa: E402
from interop.choices import Scope  # noqa: E402
from interop.models import Agency, ServiceAccount  # noqa: E402
from interop.services import accounts as interop_accounts  # noqa: E402
from khareetaty.accounts.choices import Language, Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402
from khareetaty.accounts.tokens import CredentialBoundRefreshToken  # noqa: E402
from khareetaty.testing import free_port  # noqa: E402

LOAD_AGENCY = "load-agency"


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
    return {"session": session.session_key, "access": access, "api_key": interop_key(index)}


def interop_key(index: int) -> str:
    """A fresh key of the partner service account ``load-<index>`` (made once), which may
    pull everything in every region."""
    agency = Agency.objects.filter(code=LOAD_AGENCY).first() or interop_accounts.agency_create(
        actor=None,
        code=LOAD_AGENCY,
        name_en="Load-test agency",
        name_ar="جهة اختبار الحمل",
        contact="load@example.invalid",
        profile="kuwait",
    )
    account = ServiceAccount.objects.filter(agency=agency, name=f"load-{index}").first()
    if account is None:
        account = interop_accounts.service_account_create(
            actor=None,
            agency=agency,
            name=f"load-{index}",
            scopes=list(Scope.values),
            region_ids=list(Region.objects.values_list("pk", flat=True)),
            category_ids=list(Category.objects.values_list("pk", flat=True)),
        )
    return interop_accounts.key_create(actor=None, account=account, name="load")[1]


def start_server(port: int, options: argparse.Namespace, work: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DB_POOL_MAX_SIZE": str(options.pool),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "KHAREETATY_TIMING_DIR": str(work),
    }
    uvicorn = Path(sys.executable).parent / "uvicorn"
    args = [str(uvicorn), "bench.timed_asgi:application", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", str(options.web_workers), "--lifespan", "off"]
    args += ["--timeout-worker-healthcheck", str(options.worker_healthcheck)]
    args += ["--no-access-log", "--no-proxy-headers"]
    log = (work / "uvicorn.log").open("w")
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 600  # a loaded machine imports slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit((work / "uvicorn.log").read_text()) from None
            time.sleep(0.2)
    server.terminate()  # never leave a half-started server behind
    server.wait(timeout=60)
    raise SystemExit("the server did not start")


class Sampler:
    """While a level runs: the CPU time of the web processes and of their PostgreSQL backends
    (found in pg_stat_activity by database and application role), and the peak number of
    those backends."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = psutil.Process(server.pid)
        db = connection.settings_dict
        self.dbname = db["NAME"]
        self.conninfo = psycopg.conninfo.make_conninfo(
            host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"],
            password=db["PASSWORD"] or None,
        )  # fmt: skip
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds at the start (0 when new)
        self.peak_connections = 0
        self._stop = threading.Event()

    def _backends(self, conn: psycopg.Connection) -> list[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'",
            [self.dbname],
        ).fetchall()
        return [row[0] for row in rows]

    def _processes(self, conn: psycopg.Connection) -> dict[int, psutil.Process]:
        found = {p.pid: p for p in [self.server, *self.server.children(recursive=True)]}
        for pid in self._backends(conn):
            with contextlib.suppress(psutil.NoSuchProcess):
                found[pid] = psutil.Process(pid)
        return found

    @staticmethod
    def _seconds(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return times.user + times.system

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            for pid, process in self._processes(conn).items():
                self.cpu[pid] = self._seconds(process)
            while not self._stop.wait(0.5):
                backends = self._backends(conn)
                self.peak_connections = max(self.peak_connections, len(backends))
                for pid in backends:
                    self.cpu.setdefault(pid, 0.0)  # a backend opened during the level
            self.end = {pid: self._seconds(p) for pid, p in self._processes(conn).items()}

    def __enter__(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_seconds(self) -> tuple[float, float]:
        """(web processes, database backends) CPU seconds spent during the level."""
        web_pids = {self.server.pid, *(c.pid for c in self.server.children(recursive=True))}
        web = db = 0.0
        for pid, end in self.end.items():
            spent = max(0.0, end - self.cpu.get(pid, 0.0))
            if pid in web_pids:
                web += spent
            else:
                db += spent
        return web, db


def run_locust(base: str, users: int, seconds: int, users_file: Path, prefix: Path) -> float:
    """Run one locust level; return the CPU seconds locust itself spent (the load generator
    shares the machine's cores with the server)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust = Path(sys.executable).parent / "locust"
    args = [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
    args += ["-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s"]
    args += ["--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"]
    env = {**os.environ, "KHAREETATY_LOAD_USERS": str(users_file)}
    subprocess.run(args, env=env, check=False, capture_output=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def client_view(prefix: Path) -> dict:
    """Locust's numbers: the aggregate, failures by kind (429s apart), the slowest routes."""
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    limited = sum(int(r["Occurrences"]) for r in failures if "429" in r["Error"])
    return {
        "requests": int(total["Request Count"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "failures_other_than_429": int(total["Failure Count"]) - limited,
        "rate_limited_429": limited,
        "failure_kinds": sorted({f"{r['Name']}: {r['Error'][:80]}" for r in failures}),
        "slowest_p95": sorted(
            ((row["Name"], float(row["95%"])) for row in rows if row["Name"] != "Aggregated"),
            key=lambda item: -item[1],
        )[:3],
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def server_view(work: Path) -> dict:
    """The server's own time per request (bench/timed_asgi.py), over all and per route;
    the timing files are emptied for the next level."""
    by_route: dict[str, list[float]] = defaultdict(list)
    for path in work.glob("timing-*.tsv"):
        for line in path.read_text().splitlines():
            route, _status, ms = line.split("\t")
            by_route[route].append(float(ms))
        path.write_text("")
    every = [ms for values in by_route.values() for ms in values]
    if not every:
        return {}
    return {
        "server_requests": len(every),
        "server_p50_ms": round(statistics.median(every), 1),
        "server_p95_ms": _percentile(every, 0.95),
        "server_by_route": {
            route: {"n": len(v), "p50": round(statistics.median(v), 1), "p95": _percentile(v, 0.95)}
            for route, v in sorted(by_route.items())
        },
    }


def run_level(base: str, users: int, options: argparse.Namespace, work: Path, server) -> dict:
    prefix = work / f"u{users}"
    with Sampler(server) as sampler:
        load_cpu = run_locust(base, users, options.seconds, work / "users.json", prefix)
    result = {"users": users, **client_view(prefix), **server_view(work)}
    web, db = sampler.cpu_seconds()
    served = max(1, result.get("server_requests", result["requests"]))
    result.update(
        cpu_ms_per_request_web=round(web * 1000 / served, 1),
        cpu_ms_per_request_db=round(db * 1000 / served, 1),
        cpu_ms_per_request_locust=round(load_cpu * 1000 / max(1, result["requests"]), 1),
        peak_db_connections=sampler.peak_connections,
        loadavg_1m=round(os.getloadavg()[0], 2),
        web_workers=options.web_workers,
        pool=options.pool,
        cpus=os.cpu_count(),
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="10,20,40")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=0, help="default: the most users")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument(
        "--worker-healthcheck", type=int, default=30, help="uvicorn's, seconds (the image's)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (uvicorn.log)")
    options = parser.parse_args()
    levels = [int(value) for value in options.users.split(",")]
    seed(options.incidents)
    work = Path(tempfile.mkdtemp(prefix="khareetaty-load-"))
    accounts = options.accounts or max(levels)
    (work / "users.json").write_text(
        json.dumps(
            {
                "users": [signed_in(index) for index in range(accounts)],
                "categories": list(Category.objects.values_list("code", flat=True)),
            }
        )
    )
    connection.close()
    port = free_port()
    server = start_server(port, options, work)
    try:
        for users in levels:
            result = run_level(f"http://127.0.0.1:{port}", users, options, work, server)
            print(json.dumps(result), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if options.keep:
            print(json.dumps({"work_folder": str(work)}), flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
