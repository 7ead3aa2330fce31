"""/metrics exports the queue lengths, Beat's heartbeat and the business metrics, read from
the real Redis and database at scrape time."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from incidents.models import IngestBatch
from khareetaty.operability import BEAT_HEARTBEAT_KEY


def _scrape() -> dict[tuple[str, tuple], float]:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.mark.django_db
def test_business_and_system_metrics_follow_the_data():
    cache.set(BEAT_HEARTBEAT_KEY, time.time() - 42, timeout=60)
    before = _scrape()
    failed = (("source", "drill"), ("status", "failed"))
    assert before.get(("khareetaty_ingest_batches_total", failed), 0) == 0
    IngestBatch.objects.create(source="drill", status="failed")
    IngestBatch.objects.create(source="drill", status="failed")
    after = _scrape()
    assert after[("khareetaty_ingest_batches_total", failed)] == 2
    age = after[("khareetaty_beat_heartbeat_age_seconds", ())]
    assert 40 <= age < 120
    for queue in ("alerts", "default", "long"):
        assert ("khareetaty_celery_queue_length", (("queue", queue),)) in after
    assert after[("khareetaty_metrics_collector_up", (("collector", "business"),))] == 1
    assert after[("khareetaty_metrics_collector_up", (("collector", "system"),))] == 1
    assert ("khareetaty_alerts_acknowledged_24h", ()) in after


@pytest.mark.django_db
def test_readyz_web_scope_checks_only_what_a_web_replica_needs(settings):
    settings.READYZ_CACHE_SECONDS = 0
    cache.delete(BEAT_HEARTBEAT_KEY)  # Beat silent: the system is not ready, a web replica is
    insider = Client(REMOTE_ADDR="127.0.0.1")
    system = insider.get("/readyz")
    assert system.status_code == 503
    assert system.json()["checks"]["celery_beat"]["status"] == "error"
    web = insider.get("/readyz?scope=web")
    assert web.status_code == 200
    assert set(web.json()["checks"]) == {"database", "redis"}
    assert insider.get("/readyz?scope=everything").status_code == 400
