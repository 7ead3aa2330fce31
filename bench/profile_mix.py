"""Where the time of one request goes, for every endpoint of bench/locustfile.py's mix.

In one process, through the whole middleware stack (Django's test client, DEBUG off), against
the database named by DATABASE_URL (seeded by bench/load.py or bench/map_layer.py): per
endpoint, ``--repeat`` requests after one warm-up, reporting the median CPU time of the
process (what the request costs here, whatever else runs on the machine), the median wall
time, the number of SQL queries and their total time. ``--profile NAME`` prints cProfile's
top functions for one endpoint (cumulative time).

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_load \\
        .venv/bin/python bench/profile_mix.py --repeat 20 [--profile dashboard]
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="false", ALLOWED_HOSTS="testserver,127.0.0.1")
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from load import signed_in  # noqa: E402

from commands.models import Alert  # noqa: E402

BBOX = "46.5,28.4,48.5,30.2"
ENDPOINTS = {
    "dashboard": ("get", "/api/commands/dashboard"),
    "map_z8": ("get", f"/map/incidents?period=7d&bbox={BBOX}&zoom=8&mode=cluster"),
    "map_z11": ("get", "/map/incidents?period=7d&bbox=47.85,29.2,48.1,29.4&zoom=11&mode=cluster"),
    "map_z15": (
        "get",
        "/map/incidents?period=7d&bbox=47.97,29.30,47.985,29.31&zoom=15&mode=cluster",
    ),
    "map_heat": ("get", f"/map/incidents?period=7d&bbox={BBOX}&zoom=9&mode=heat"),
    "incident_list": ("get", "/api/incidents/?severity=3&ordering=-occurred_at"),
    "alerts_open": ("get", "/api/commands/alerts?status=open"),
    "incident_create": ("post", "/api/incidents/"),
    "interop_incidents": ("interop", "/api/interop/v1/incidents?limit=100"),
    "interop_hotspots": ("interop", "/api/interop/v1/hotspots"),
    "interop_alerts": ("interop", "/api/interop/v1/alerts"),
    "healthz": ("get", "/healthz"),
    "me_jwt": ("get", "/api/auth/me"),
    "me_session": ("session", "/api/auth/me"),
}
NEW_INCIDENT = {
    "category": "theft",
    "lon": "47.95",
    "lat": "29.35",
    "severity": "2",
    "description": "profile",
}


class Queries:
    """Counts the SQL queries of a block and their time (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def _print_sql(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        print(f"{(time.perf_counter() - started) * 1000:7.1f} ms  {sql[:300]}")


def request(client: Client, user: dict, kind: str, path: str):
    if kind == "interop":
        return client.get(path, HTTP_AUTHORIZATION=f"Api-Key {user['api_key']}")
    if kind == "session":  # the session cookie only (what the pages send)
        return client.get(path)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {user['access']}"}
    if kind == "post":
        body = {**NEW_INCIDENT, "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        return client.post(path, json.dumps(body), content_type="application/json", **auth)
    return client.get(path, **auth)


def measure(client: Client, user: dict, kind: str, path: str, repeat: int) -> dict:
    status = request(client, user, kind, path).status_code  # warm-up
    cpu, wall, counts, sql = [], [], [], []
    for _ in range(repeat):
        queries = Queries()
        started, started_cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(queries):
            request(client, user, kind, path)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        counts.append(queries.count)
        sql.append(queries.seconds * 1000)
    return {
        "status": status,
        "cpu_ms": round(statistics.median(cpu), 1),
        "wall_ms": round(statistics.median(wall), 1),
        "queries": statistics.median(counts),
        "sql_ms": round(statistics.median(sql), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", choices=sorted(ENDPOINTS), default=None)
    parser.add_argument("--sql", choices=sorted(ENDPOINTS), default=None)
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    options = parser.parse_args()
    user = signed_in(0)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["sessionid"] = user["session"]
    Alert.objects.exists()
    if options.profile:
        kind, path = ENDPOINTS[options.profile]
        request(client, user, kind, path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(options.repeat):
            request(client, user, kind, path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("TOP", "45"))
        )
        return
    if options.sql:
        kind, path = ENDPOINTS[options.sql]
        request(client, user, kind, path)
        with connection.execute_wrapper(_print_sql):
            print(request(client, user, kind, path).status_code)
        return
    names = options.only.split(",") if options.only else list(ENDPOINTS)
    for name in names:
        kind, path = ENDPOINTS[name]
        print(json.dumps({"endpoint": name, **measure(client, user, kind, path, options.repeat)}))


if __name__ == "__main__":
    main()
