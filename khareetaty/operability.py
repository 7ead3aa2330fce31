"""Health, readiness and metrics: what an orchestrator and Prometheus ask of a process."""

import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_redis import get_redis_connection

from khareetaty.celery import app as celery_app

BEAT_HEARTBEAT_KEY = "operability:beat-heartbeat"


def beat_heartbeat_record() -> None:
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return f"postgis {cursor.fetchone()[0]}"


def _check_redis() -> str:
    get_redis_connection("default").ping()
    return "pong"


def _check_celery_worker() -> str:
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered within 1 s")
    return f"{len(replies)} worker(s)"


def _check_beat() -> str:
    last = cache.get(BEAT_HEARTBEAT_KEY)
    if last is None:
        raise RuntimeError("Beat has not ticked yet")
    age = time.time() - float(last)
    if age > settings.BEAT_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last tick {age:.0f} s ago")
    return f"last tick {age:.0f} s ago"


READINESS_CHECKS: dict[str, Callable[[], str]] = {
    "database": _check_database,
    "redis": _check_redis,
    "celery_worker": _check_celery_worker,
    "celery_beat": _check_beat,
}


def readiness_report() -> tuple[bool, dict[str, dict[str, str]]]:
    """Run every readiness check; one failing check does not stop the others."""
    report = {}
    for name, check in READINESS_CHECKS.items():
        try:
            report[name] = {"status": "ok", "detail": check()}
        except Exception as exc:  # noqa: BLE001 — a failing dependency is the answer, not an error
            report[name] = {"status": "error", "detail": str(exc) or exc.__class__.__name__}
    return all(item["status"] == "ok" for item in report.values()), report


def metrics_access_allowed(remote_addr: str, authorization: str) -> bool:
    """Metrics are for the internal network or a holder of METRICS_TOKEN."""
    if settings.METRICS_TOKEN and authorization == f"Bearer {settings.METRICS_TOKEN}":
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )
