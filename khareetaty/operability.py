"""Health, readiness and metrics: what an orchestrator and Prometheus ask of a process."""

import contextlib
import hmac
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django_redis import get_redis_connection

from khareetaty.celery import app as celery_app
from khareetaty.net import request_from_networks

BEAT_HEARTBEAT_KEY = "operability:beat-heartbeat"
READINESS_CACHE_KEY = "operability:readiness"


def beat_heartbeat_record() -> None:
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def _query_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            return f"postgis {cursor.fetchone()[0]}"
    finally:
        connection.close()  # this thread's connection (back to the pool, if pooled)


_DATABASE_PROBE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz-db")


def _check_database() -> str:
    """A deadline: with the database down, taking a pooled connection waits DB_POOL_TIMEOUT
    (10 s) and a probe would time out instead of hearing 503 (bench/faults.py found this)."""
    future = _DATABASE_PROBE.submit(_query_database)
    try:
        return future.result(timeout=settings.READYZ_DATABASE_TIMEOUT)
    except FutureTimeout:
        raise RuntimeError(f"no answer within {settings.READYZ_DATABASE_TIMEOUT} s") from None


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


# What a web replica itself needs to serve: a readiness probe on the whole system would take
# every web replica out of service when the workers or Beat stop (/readyz?scope=web).
READINESS_SCOPES: dict[str, tuple[str, ...]] = {
    "system": tuple(READINESS_CHECKS),
    "web": ("database", "redis"),
}


def _run_readiness_checks(scope: str) -> tuple[bool, dict[str, dict[str, str]]]:
    report = {}
    for name in READINESS_SCOPES[scope]:
        check = READINESS_CHECKS[name]
        try:
            report[name] = {"status": "ok", "detail": check()}
        except Exception as exc:  # noqa: BLE001 — a failing dependency is the answer, not an error
            report[name] = {"status": "error", "detail": str(exc) or exc.__class__.__name__}
    return all(item["status"] == "ok" for item in report.values()), report


def readiness_report(scope: str = "system") -> tuple[bool, dict[str, dict[str, str]]]:
    """Run the scope's readiness checks (one failing check does not stop the others), at most
    once per READYZ_CACHE_SECONDS: a probe every second must not ping every Celery worker."""
    cache_key = f"{READINESS_CACHE_KEY}:{scope}"
    try:
        cached = cache.get(cache_key)
    except Exception:  # noqa: BLE001 — Redis down is reported by the checks themselves
        cached = None
    if cached is not None:
        return cached
    result = _run_readiness_checks(scope)
    if settings.READYZ_CACHE_SECONDS > 0:
        # Redis down: nothing to cache into, and the answer stands.
        with contextlib.suppress(Exception):
            cache.set(cache_key, result, timeout=settings.READYZ_CACHE_SECONDS)
    return result


def metrics_token_presented(authorization: str) -> bool:
    """True when ``authorization`` is ``Bearer <METRICS_TOKEN>``, compared in constant time."""
    token = settings.METRICS_TOKEN
    if not token:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


def internal_caller(request: HttpRequest) -> bool:
    """An internal caller: from METRICS_ALLOWED_NETWORKS (trusted client address) or holding
    METRICS_TOKEN. Everyone else gets the public minimum of /metrics and /readyz."""
    return metrics_token_presented(
        request.META.get("HTTP_AUTHORIZATION", "")
    ) or request_from_networks(request, settings.METRICS_ALLOWED_NETWORKS)
