"""Alert latency: incident created through the API → SMS request at the (fake) Twilio API.

Real parts: PostGIS, Redis as the Celery broker, two real Celery worker processes (one for
the ``alerts`` queue, one for ``long``), the real Twilio SDK talking HTTP to a fake Twilio
server on 127.0.0.1, and the real incidents API (Django's full stack, JWT-authenticated,
in this process). A critical rule matches every incident; the escalation policy's first
step (after 0 m) texts one analyst.

Phases (one run):

* ``reference_direct_send``: the floor, one SDK send straight to the fake server;
* ``idle``: N/4 incidents with the ``long`` worker idle;
* ``busy``: N incidents while the ``long`` worker runs the real analytics chain
  (hotspots, Prophet forecasts, risk, backtests) over seeded history, re-queued whenever it
  finishes so it is busy for the whole phase.

Each incident is posted, then the next one only after its SMS arrived (closed loop), so each
SMS is matched to its incident by the alert's reply code. Prints JSON with p50/p95/p99.

Usage (own database and Redis db; the script migrates and seeds it)::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_commands \
    REDIS_URL=redis://127.0.0.1:63799/5 .venv/bin/python bench/alert_latency.py --incidents 200
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["API_RATE_LIMIT"] = "100000/min"  # the bench posts faster than the default limit
ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "bench-auth-token"  # noqa: S105 - the fake server's token
FROM_NUMBER = "+15005550006"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from analytics.choices import RunKind, RunStatus  # noqa: E402
from analytics.models import ModelRun  # noqa: E402
from analytics.services.runs import analytics_run_request  # noqa: E402
from analytics.tasks import analytics_run_execute_task  # noqa: E402
from commands.choices import RuleKind, Severity  # noqa: E402
from commands.models import Alert, AlertRule, ReplyCode  # noqa: E402
from commands.notify.base import OutgoingMessage  # noqa: E402
from commands.notify.sms import SmsChannel  # noqa: E402
from commands.policy import policy_reload  # noqa: E402
from commands.tests.fakes import start_fake_twilio  # noqa: E402
from incidents.models import Category, Region  # noqa: E402
from incidents.reference import reference_data_load_defaults  # noqa: E402
from khareetaty.accounts.choices import Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402
from khareetaty.celery import app as celery_app  # noqa: E402

PASSWORD = "Bench-Password-42-Long"  # noqa: S105 - a throwaway bench account
# The SMS's reply code (templates/commands/notifications/sms_*.txt: "Reply K7M2Pa ack, …").
CODE = re.compile(r"(?:Reply|رد) ([A-Za-z0-9]+)a\b")
SEED_SQL = """
INSERT INTO incidents_clean (source, external_id, category_id, occurred_at, geom, region_id,
    area, block, severity, status, channel, description, local_hour, weekday, is_weekend,
    is_night, is_holiday, created_at, updated_at)
SELECT 'bench-history', 'H' || g, c.id, now() - (random() * interval '540 days') - interval '1 day',
    ST_SetSRID(ST_MakePoint(47.85 + random() * 0.3, 29.15 + random() * 0.3), 4326),
    NULL, '', '', 1 + (g %% 4), 'reported', 'public_report', '', 0, 0, false, false, false,
    now(), now()
FROM generate_series(1, %s) g
JOIN LATERAL (SELECT id FROM incidents_category ORDER BY id OFFSET (g %% %s) LIMIT 1) c ON true
"""
POLICY = """\
severities:
  critical:
    steps:
      - after: 0m
        notify: [user:bench-analyst]
        channels: [sms]
"""


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}

    def pct(p: float) -> float:
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def prepare(history: int) -> None:
    """Migrate, load the Kuwait reference data, seed history for analytics, reset alerts."""
    call_command("migrate", verbosity=0)
    reference_data_load_defaults()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_clean WHERE source IN ('bench-api', 'bench-history')")
        categories = Category.objects.count()
        cursor.execute(SEED_SQL, [history, categories])
        cursor.execute(
            "UPDATE incidents_clean i SET region_id = r.id FROM incidents_region r "
            "WHERE i.source = 'bench-history' AND ST_Contains(r.geom, i.geom)"
        )
        cursor.execute("ANALYZE incidents_clean")
    Alert.objects.all().delete()
    AlertRule.objects.all().delete()
    ModelRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error="reset by bench"
    )
    User.objects.filter(username="bench-analyst").delete()
    user = user_create(
        username="bench-analyst",
        password=PASSWORD,
        role=Role.ANALYST,
        phone_number="+96550000000",
        preferred_language="en",
    )
    user.notification_channels = ["sms"]
    user.save()
    AlertRule.objects.create(
        name="Bench: any severity-5 incident",
        kind=RuleKind.CRITICAL_INCIDENT,
        severity=Severity.CRITICAL,
        params={"min_severity": 5},
        cooldown_minutes=0,  # every incident raises its own alert (and its own SMS)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(POLICY)
    with override_settings(ESCALATION_POLICY_FILE=handle.name):
        policy_reload()
    os.unlink(handle.name)


def start_worker(
    queue: str, concurrency: int, fake_url: str, log: Path, pool: str = "prefork", nice: int = 0
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_BASE_URL": fake_url,
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "khareetaty", "worker",
        "-Q", queue, "-n", f"bench-{queue}@%h", "--concurrency", str(concurrency), "--pool", pool,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
    ]  # fmt: skip
    if nice:
        command = ["nice", "-n", str(nice), *command]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def wait_for_workers(names: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=1.0) or []
        seen = {name.split("@")[0] for reply in replies for name in reply}
        if all(name in seen for name in names):
            return
    raise SystemExit(f"workers {names} did not start; see the bench logs")


class LongJobKeeper(threading.Thread):
    """Keeps the ``long`` worker busy with real analytics chains for the whole phase."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.runs: list[int] = []

    def run(self) -> None:
        while not self.stop.is_set():
            if not ModelRun.objects.filter(
                kind=RunKind.PIPELINE, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
            ).exists():
                run, created = analytics_run_request(profile="kuwait", trigger="command")
                if created:
                    analytics_run_execute_task.apply_async(args=[run.pk])
                    self.runs.append(run.pk)
            self.stop.wait(0.5)
        connection.close()


def long_job_running() -> bool:
    return ModelRun.objects.filter(kind=RunKind.PIPELINE, status=RunStatus.RUNNING).exists()


def _segments(alert: Alert, responded_wall: float, received_wall: float) -> tuple[float, ...]:
    """(API response → alert row, alert row → delivery claimed, claimed → SMS at Twilio)."""
    delivery = alert.deliveries.get()
    created, claimed = alert.created_at.timestamp(), delivery.claimed_at.timestamp()
    return (created - responded_wall, claimed - created, received_wall - claimed)


def _own_sms(fake, before: int, incident_id: int, timeout: float = 30):
    """Wait for the SMS whose reply code belongs to the new incident's alert; return it, its
    alert and how many other SMS came first (reminders or escalations of older alerts)."""
    deadline, seen, others = time.monotonic() + timeout, before, 0
    while time.monotonic() < deadline:
        messages = fake.wait_for(seen + 1, timeout=max(0.0, deadline - time.monotonic()))
        for sms in messages[seen:]:
            found = CODE.search(sms.params["Body"])
            code = found and ReplyCode.objects.filter(code=found.group(1)).first()
            if code and code.alert.incidents.filter(pk=incident_id).exists():
                return sms, code.alert, others
            others += 1
        seen = len(messages)
    return None, None, others


def measure(client: Client, token: str, fake, count: int, offset: int, *, busy: bool) -> dict:
    latencies, mismatches, busy_samples, segments = [], 0, 0, []
    hawalli = Region.objects.get(profile="kuwait", code="KW-HA")
    centre = hawalli.geom.point_on_surface
    for i in range(count):
        before = len(fake.messages())
        response = client.post(
            "/api/incidents/",
            {
                "external_id": f"BENCH-{offset + i}-{time.time_ns()}",
                "category": "robbery",
                "occurred_at": datetime.now(UTC).isoformat(),
                "lon": str(centre.x),
                "lat": str(centre.y),
                "severity": "5",
                "channel": "public_report",
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        responded, responded_wall = time.monotonic(), time.time()
        if response.status_code != 201:
            raise SystemExit(
                f"API refused the incident: {response.status_code} {response.content[:300]}"
            )
        incident_id = response.json()["id"]
        sms, alert, others = _own_sms(fake, before, incident_id)
        mismatches += others  # other SMS meanwhile (escalation steps of earlier alerts)
        if sms is None:
            raise SystemExit(f"no SMS for incident {incident_id} within 30 s")
        latencies.append(sms.received_at - responded)
        segments.append(_segments(alert, responded_wall, sms.received_wall))
        if busy and long_job_running():
            busy_samples += 1
        time.sleep(0.02)
    result = percentiles(latencies)
    result["other_sms"] = mismatches  # SMS that were not the new incident's alert
    names = ("to_alert_row", "alert_row_to_send_claimed", "claimed_to_twilio")
    result["median_segments_ms"] = {
        name: round(statistics.median(seg[i] for seg in segments) * 1000, 1)
        for i, name in enumerate(names)
        if segments  # none when no SMS could be matched to its incident
    }
    if busy:
        result["samples_with_long_job_running"] = busy_samples
    return result


def direct_send_reference(fake, repeats: int = 50) -> dict:
    channel = SmsChannel()
    timings = []
    with override_settings(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER=FROM_NUMBER, TWILIO_BASE_URL=fake.base_url,
    ):  # fmt: skip
        for i in range(repeats):
            began = time.monotonic()
            channel.send(OutgoingMessage(to="+96550000000", text=f"reference {i}"))
            timings.append(fake.messages()[-1].received_at - began)
    return percentiles(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument(
        "--history", type=int, default=40_000, help="seeded incidents for analytics"
    )
    parser.add_argument("--alerts-concurrency", type=int, default=4)
    parser.add_argument(
        "--long-nice", type=int, default=0, help="run the long worker at this nice level"
    )
    parser.add_argument("--alerts-pool", default="threads", choices=["threads", "prefork", "solo"])
    parser.add_argument(
        "--no-busy",
        action="store_true",
        help="idle phase only, --incidents of them (e.g. while bench/load.py loads the machine)",
    )
    parser.add_argument(
        "--worker-start-timeout", type=float, default=60, help="seconds (more on a loaded machine)"
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    prepare(args.history)
    fake = start_fake_twilio()
    logs = Path(tempfile.mkdtemp(prefix="alert-latency-"))
    with celery_app.connection_for_write() as conn:
        for queue in ("alerts", "long"):
            conn.default_channel.queue_purge(queue)
    workers = [
        start_worker(
            "alerts", args.alerts_concurrency, fake.base_url, logs / "alerts.log", args.alerts_pool
        ),
        start_worker("long", 1, fake.base_url, logs / "long.log", nice=args.long_nice),
    ]
    keeper = LongJobKeeper()
    try:
        wait_for_workers(["bench-alerts", "bench-long"], args.worker_start_timeout)
        client = Client(HTTP_HOST="localhost")
        login = client.post(
            "/api/auth/login",
            {"username": "bench-analyst", "password": PASSWORD},
            content_type="application/json",
        )
        token = login.json()["access"]
        reference = direct_send_reference(fake)
        fake.requests.clear()
        idle_count = args.incidents if args.no_busy else max(20, args.incidents // 4)
        idle = measure(client, token, fake, idle_count, 0, busy=False)
        busy = None
        if not args.no_busy:
            keeper.start()
            deadline = time.monotonic() + 60
            while not long_job_running() and time.monotonic() < deadline:
                time.sleep(0.2)
            busy = measure(client, token, fake, args.incidents, 100_000, busy=True)
    finally:
        keeper.stop.set()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        fake.server.stop()
    finished = ModelRun.objects.filter(pk__in=keeper.runs).values_list("status", flat=True)
    print(
        json.dumps(
            {
                "benchmark": "alert_latency",
                "measured": "API 201 response -> SMS request received by the fake Twilio API",
                "incidents": args.incidents,
                "alerts_worker": (
                    f"own process, queue alerts, pool {args.alerts_pool}, "
                    f"concurrency {args.alerts_concurrency}"
                ),
                "long_worker": (
                    f"own process, queue long, concurrency 1, nice {args.long_nice}, "
                    "real analytics chain"
                ),
                "seeded_history_incidents": args.history,
                "reference_direct_send": reference,
                "idle": idle,
                "busy": busy,
                "long_runs_started": len(keeper.runs),
                "long_run_statuses": sorted(finished),
                "target_p95_ms": 250,
                "bound_ms": 1000,
                "cpu_count": os.cpu_count(),
                "load_average_1m_start_end": [
                    round(load_before[0], 2),
                    round(os.getloadavg()[0], 2),
                ],
                "worker_logs": str(logs),
                "database": settings.DATABASES["default"]["NAME"],
                "generated_at": (datetime.now(UTC) + timedelta(0)).isoformat(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
