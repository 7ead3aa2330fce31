"""The partner API under load, against the real stack (uvicorn as the Procfile starts it,
PostGIS, Redis).

* 20 service accounts (each its own key, scoped to half the regions and categories) pull
  incidents (GeoJSON pages of 100) and push incidents (10 records a request), 20 clients at
  once, one per account;
* the same endpoints on two more servers of the same code and database, one with the
  request log off (``INTEROP_REQUEST_LOG_ENABLED=false``), one with the log and the scope
  filtering off (``INTEROP_SCOPE_FILTER_ENABLED=false`` too: every row, every field), in
  the same run, rounds interleaved so all see the same machine load: the p95 overhead of
  the log, and of both. Without scope filtering a pull pages through all incidents, not
  the account's quarter, so that server does more work per page, not less;
* 10,000 records pushed through the interop path (10 pushes of 1,000) vs the same 10,000
  rows ingested from a CSV file by the ETL (rows/s both).

Prints JSON. Usage (a scratch database; the script migrates and seeds it)::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54334/kh_interop_bench \\
    REDIS_URL=redis://127.0.0.1:63804/7 .venv/bin/python bench/interop.py --seconds 10
"""

import argparse
import asyncio
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import aiohttp  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from incidents.models import Category, Region  # noqa: E402
from incidents.pipeline.services import batch_ingest_file  # noqa: E402
from interop.choices import Scope  # noqa: E402
from interop.models import RequestLog  # noqa: E402
from interop.services import accounts  # noqa: E402
from khareetaty.testing import free_port  # noqa: E402

ACCOUNTS = 20


def start_server(extra_env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_POOL_MAX_SIZE": "10",  # the Procfile default
        **extra_env,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"), "khareetaty.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
            "--no-access-log", "--no-proxy-headers",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
            return server, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def seed(csv_path: Path) -> tuple[list[str], list[dict]]:
    """Reference data, 20 accounts with keys, and 20,000 generated rows: 10,000 pushed as
    history (what pulls page through) and 10,000 kept for the interop-vs-ETL comparison."""
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("generate_incidents", count=20_000, days=30, seed=11, out=str(csv_path))
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    stamp = str(int(time.time()))
    regions = list(Region.objects.filter(profile="kuwait").order_by("pk"))
    categories = list(Category.objects.order_by("pk"))
    # A fresh agency (its own source) per run: nothing pushed is a duplicate of a past run.
    agency = accounts.agency_create(actor=None, code=f"bench-{stamp}", name_en="Bench agency")
    keys = []
    for i in range(ACCOUNTS):
        account = accounts.service_account_create(
            actor=None,
            agency=agency,
            name=f"bench-{i}",
            scopes=list(Scope.values),
            region_ids=[r.pk for r in regions[i % 2 :: 2]],
            category_ids=[c.pk for c in categories[i % 2 :: 2]],
            rate_limit=100_000,
        )
        keys.append(accounts.key_create(actor=None, account=account, name="bench")[1])
    return keys, rows


async def load(base: str, keys: list[str], kind: str, seconds: float, batch: list) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))

    async def client(session: aiohttp.ClientSession, key: str) -> None:
        headers = {"Authorization": f"Api-Key {key}"}
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if kind == "pull":
                request = session.get(f"{base}/api/interop/v1/incidents?limit=100", headers=headers)
            else:
                n = next(counter)
                records = [
                    dict(r, incident_id=f"{r['incident_id']}-{base[-5:]}-{n}") for r in batch
                ]
                request = session.post(
                    f"{base}/api/interop/v1/incidents", json={"records": records}, headers=headers
                )
            async with request as response:
                await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(keys))) as session:
        await asyncio.gather(*(client(session, key) for key in keys))
    return {"latencies": latencies, "statuses": statuses, "seconds": seconds}


def summary(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies"])
    statuses: dict[str, int] = {}
    for run in runs:
        for status, count in run["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    seconds = sum(run["seconds"] for run in runs)
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "statuses": statuses,
    }


def overhead(with_it: dict, without: dict) -> float:
    return round((with_it["p95_ms"] - without["p95_ms"]) / without["p95_ms"] * 100, 1)


def push_all(base: str, key: str, records: list[dict]) -> float:
    """Push ``records`` in pushes of 1,000, one after another; returns rows/s."""
    started = time.perf_counter()
    for i in range(0, len(records), 1000):
        body = json.dumps({"records": records[i : i + 1000]}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own local server
            f"{base}/api/interop/v1/incidents",
            data=body,
            headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            assert response.status == 200
            result = json.loads(response.read())
            assert result["received"] == len(records[i : i + 1000]), result
    return len(records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="seconds per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="interop-bench-"))
    keys, rows = seed(workdir / "rows.csv")
    history, compared = rows[:10_000], rows[10_000:]
    on, on_url = start_server({})
    log_off, log_off_url = start_server({"INTEROP_REQUEST_LOG_ENABLED": "false"})
    off, off_url = start_server(
        {"INTEROP_REQUEST_LOG_ENABLED": "false", "INTEROP_SCOPE_FILTER_ENABLED": "false"}
    )
    servers = (("on", on_url), ("log_off", log_off_url), ("off", off_url))
    try:
        push_all(on_url, keys[0], history)  # the history pulls page through
        results: dict[str, dict[str, list]] = {
            kind: {label: [] for label, _url in servers} for kind in ("pull", "push")
        }
        batch = history[:10]
        for _round in range(args.rounds):
            for kind in ("pull", "push"):
                for label, url in servers:
                    run = asyncio.run(load(url, keys, kind, args.seconds, batch))
                    results[kind][label].append(run)
        report: dict = {"accounts": ACCOUNTS, "clients": ACCOUNTS, "rounds": args.rounds}
        for kind, by_label in results.items():
            on_, log_off_, off_ = (summary(by_label[label]) for label, _url in servers)
            report[kind] = {
                "with_log_and_scope_filtering": on_,
                "without_log": log_off_,
                "without_log_and_scope_filtering": off_,
                "p95_overhead_of_log_percent": overhead(on_, log_off_),
                "p95_overhead_of_log_and_scope_filtering_percent": overhead(on_, off_),
            }
        interop_rows_s = push_all(on_url, keys[1], compared)
    finally:
        for server in (on, log_off, off):
            server.terminate()
            server.wait(timeout=20)
    etl_path = workdir / "etl.csv"
    with etl_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(compared[0]))
        writer.writeheader()
        stamp = int(time.time())
        writer.writerows(dict(r, incident_id=f"ETL-{stamp}-{r['incident_id']}") for r in compared)
    started = time.perf_counter()
    batch_run = batch_ingest_file(path=etl_path, profile_name="kuwait")
    etl_rows_s = batch_run.received / (time.perf_counter() - started)
    report["ten_thousand_records"] = {
        "interop_push_rows_per_second": round(interop_rows_s),
        "etl_file_rows_per_second": round(etl_rows_s),
        "etl_accepted": batch_run.accepted,
    }
    report["request_log_rows"] = RequestLog.objects.count()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
