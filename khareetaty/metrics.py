"""Metrics read at scrape time: Celery queue lengths, Beat's heartbeat, and the collectors the
apps add (``metrics_collector_add``; commands adds the business metrics). Each is a
prometheus_client collector: every web process answers from the same Redis and database, so
any replica's /metrics tells the same story."""

import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from khareetaty.operability import BEAT_HEARTBEAT_KEY, readiness_report

logger = logging.getLogger(__name__)

_COLLECTORS: dict[str, Callable[[], Iterable[Metric]]] = {}


def celery_queue_names() -> list[str]:
    """Every queue named in CELERY_TASK_ROUTES, plus the default queue."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted(routed | {settings.CELERY_TASK_DEFAULT_QUEUE})


def _system_metrics() -> Iterable[Metric]:
    queues = GaugeMetricFamily(
        "khareetaty_celery_queue_length",
        "Messages waiting in each Celery queue (the worker autoscaler's input).",
        labels=["queue"],
    )
    from celery import current_app

    with current_app.connection_for_read() as conn:
        client = conn.default_channel.client  # the broker's Redis, Sentinel-aware
        for name in celery_queue_names():
            queues.add_metric([name], float(client.llen(name)))
    yield queues
    last = cache.get(BEAT_HEARTBEAT_KEY)
    age = GaugeMetricFamily(
        "khareetaty_beat_heartbeat_age_seconds",
        "Seconds since Celery Beat's last heartbeat task ran (a worker records it).",
    )
    age.add_metric([], time.time() - float(last) if last is not None else float("inf"))
    yield age
    lock = GaugeMetricFamily(
        "khareetaty_beat_leader_held",
        "1 while some Beat holds the leader lock (khareetaty/beat.py).",
    )
    from khareetaty.beat import beat_lock_key

    lock.add_metric([], 1.0 if get_redis_connection("default").exists(beat_lock_key()) else 0.0)
    yield lock


def _readiness_metrics() -> Iterable[Metric]:
    """/readyz's checks as a gauge (the same cached report), so an alert names the failing one."""
    _ready, checks = readiness_report()
    gauge = GaugeMetricFamily(
        "khareetaty_readiness_check",
        "1 when the /readyz check passes, 0 when it fails.",
        labels=["check"],
    )
    for name, result in checks.items():
        gauge.add_metric([name], 1.0 if result["status"] == "ok" else 0.0)
    yield gauge


class _ScrapeCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "khareetaty_metrics_collector_up",
            "1 when the named collector answered at this scrape, 0 when it failed.",
            labels=["collector"],
        )
        for name, collect in list(_COLLECTORS.items()):
            try:
                metrics = list(collect())
            except Exception:
                logger.warning("metrics collector %s failed", name, exc_info=True)
                up.add_metric([name], 0.0)
                continue
            up.add_metric([name], 1.0)
            yield from metrics
        yield up


_SCRAPE_COLLECTOR = _ScrapeCollector()


def metrics_collector_add(name: str, collect: Callable[[], Iterable[Metric]]) -> None:
    """Add a function yielding metric families, read on every scrape of /metrics."""
    _COLLECTORS[name] = collect
    if _SCRAPE_COLLECTOR not in REGISTRY._collector_to_names:
        REGISTRY.register(_SCRAPE_COLLECTOR)


def system_metrics_register() -> None:
    metrics_collector_add("system", _system_metrics)
    metrics_collector_add("readiness", _readiness_metrics)
