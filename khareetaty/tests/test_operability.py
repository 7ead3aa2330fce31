import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.test import Client

from khareetaty.celery import app as celery_app
from khareetaty.operability import BEAT_HEARTBEAT_KEY, beat_heartbeat_record
from khareetaty.tasks import beat_heartbeat_task
from khareetaty.tests.helpers import run_manage

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_failing_check_with_503(client):
    cache.delete(BEAT_HEARTBEAT_KEY)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["redis"]["status"] == "ok"
    assert checks["celery_worker"]["status"] == "error"
    assert checks["celery_beat"]["status"] == "error"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ok_with_a_worker_running_beats_heartbeat(client):
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=10):
        beat_heartbeat_task.delay().get(timeout=10)  # what Beat sends every 30 s
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert {name for name, check in body["checks"].items() if check["status"] == "ok"} == {
        "database",
        "redis",
        "celery_worker",
        "celery_beat",
    }


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="a" * 32)
    assert response["X-Request-ID"] == "a" * 32
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32


def test_logs_are_json_lines_with_a_request_id_field():
    result = run_manage(
        "shell", "-c", "import logging; logging.getLogger('khareetaty').warning('hello')"
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello"
    assert line["level"] == "WARNING"
    assert "request_id" in line


def test_metrics_are_served_to_the_internal_network_only(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = "s3cret-token"
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    assert outsider.get("/metrics").status_code == 403
    with_token = outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert with_token.status_code == 200
    assert b"django_http_requests_total" in with_token.content
    insider = Client(REMOTE_ADDR="10.1.2.3")
    assert insider.get("/metrics").status_code == 200


def test_swagger_ui_is_served_from_local_assets(client):
    page = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/auth/login" in schema.json()["paths"]


def test_openapi_schema_generates_without_warnings(tmp_path):
    """Every endpoint is described (serializers, enums, parameters) — the docs partners read."""
    result = run_manage(
        "spectacular",
        "--file",
        str(tmp_path / "schema.yaml"),
        "--validate",
        "--fail-on-warn",
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_readyz_tells_outsiders_only_ready_or_not(settings):
    cache.delete(BEAT_HEARTBEAT_KEY)
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    response = outsider.get("/readyz", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"postgis" not in response.content


def test_readyz_details_go_to_internal_networks_and_token_holders(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    cache.delete(BEAT_HEARTBEAT_KEY)
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    with_token = outsider.get("/readyz", HTTP_AUTHORIZATION="Bearer s3cret-token").json()
    assert with_token["checks"]["database"]["detail"].startswith("postgis ")
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.METRICS_ALLOWED_NETWORKS = ["10.9.0.0/16"]
    behind_proxy = Client(REMOTE_ADDR="10.0.0.5").get("/readyz", HTTP_X_FORWARDED_FOR="10.9.0.1")
    assert behind_proxy.json()["checks"]["celery_beat"]["status"] == "error"


def test_readyz_runs_its_checks_at_most_once_per_cache_period(client, settings):
    settings.READYZ_CACHE_SECONDS = 2
    cache.delete(BEAT_HEARTBEAT_KEY)
    assert client.get("/readyz").json()["checks"]["celery_beat"]["status"] == "error"
    beat_heartbeat_record()  # Beat ticks, but the cached answer stands for a while
    started = time.monotonic()
    again = client.get("/readyz").json()
    assert time.monotonic() - started < 1.0  # no Celery ping (1 s wait) this time
    assert again["checks"]["celery_beat"]["status"] == "error"
    time.sleep(2.1)  # the period is over
    assert client.get("/readyz").json()["checks"]["celery_beat"]["status"] == "ok"
