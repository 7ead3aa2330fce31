"""Ingestion and Celery."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from khareetaty.env import env_int, env_list, env_secret, env_str
from khareetaty.settings.base import TIME_ZONE, VAR_DIR
from khareetaty.settings.stores import (
    REDIS_DB,
    REDIS_PASSWORD,
    REDIS_SENTINEL_MASTER,
    REDIS_SENTINEL_PASSWORD,
    REDIS_SENTINELS,
    REDIS_URL,
)

# --- Ingestion -------------------------------------------------------------------------------
# Files dropped into INTAKE_DIR/staging[/<profile>] are swept into archive/ or failed/.
INTAKE_DIR = Path(env_str("INTAKE_DIR", str(VAR_DIR / "intake")))
INTAKE_SETTLE_SECONDS = env_int("INTAKE_SETTLE_SECONDS", 5)
INGEST_PROFILE_DIRS = env_list("INGEST_PROFILE_DIRS", [])
# Size limits (khareetaty.limits, incidents.pipeline): each is refused with a clear error and
# a batch over one fails whole, with nothing written.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 10 * 2**20)
INGEST_UPLOAD_MAX_BYTES = env_int("INGEST_UPLOAD_MAX_BYTES", 512 * 2**20)
INGEST_MAX_DECOMPRESSED_BYTES = env_int("INGEST_MAX_DECOMPRESSED_BYTES", 4 * 2**30)
INGEST_MAX_RECORD_BYTES = env_int("INGEST_MAX_RECORD_BYTES", 2**20)  # a CSV record, a JSON value
INGEST_MAX_ROWS = env_int("INGEST_MAX_ROWS", 5_000_000)
# A batch still "running" this long after it started died with its worker: the sweep marks
# it failed. Keep it above CELERY_TASK_TIME_LIMIT.
INGEST_STALE_BATCH_MINUTES = env_int("INGEST_STALE_BATCH_MINUTES", 120)

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_secret("CELERY_RESULT_BACKEND", REDIS_URL)
if REDIS_SENTINELS:
    # kombu and Celery's result backend ask the sentinels for the primary (stores.py).
    _auth = f":{REDIS_PASSWORD}@" if REDIS_PASSWORD else ""
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = ";".join(
        f"sentinel://{_auth}{host}:{port}/{REDIS_DB}" for host, port in REDIS_SENTINELS
    )
    _transport = {"master_name": REDIS_SENTINEL_MASTER}
    if REDIS_SENTINEL_PASSWORD:
        _transport["sentinel_kwargs"] = {"password": REDIS_SENTINEL_PASSWORD}
    CELERY_BROKER_TRANSPORT_OPTIONS = _transport
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = dict(_transport)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 35 * 60)
CELERY_TASK_DEFAULT_QUEUE = "default"
# ETL and ML run on "long"; notifications on "alerts", served by their own worker so they
# never wait behind a long job; the rest (Beat's heartbeat, the stale-batch check, which must
# not wait behind the long jobs it checks on) on "default". The one place a queue is named:
# no task decorator, enqueue call or Beat entry names one.
CELERY_TASK_ROUTES = {
    "incidents.batch_run": {"queue": "long"},
    "incidents.intake_sweep": {"queue": "long"},
    "incidents.search_refresh": {"queue": "long"},
    "analytics.*": {"queue": "long"},
    "commands.*": {"queue": "alerts"},
    # New alerts to subscribed agencies are notifications, never behind ETL/ML.
    "interop.alert_subscriptions_notify": {"queue": "alerts"},
    "interop.hotspot_subscriptions_notify": {"queue": "alerts"},
    # The briefing renders PDFs: beside ETL and ML.
    "briefings.*": {"queue": "long"},
    # A sensor candidate becoming an incident feeds the alert rules: never behind ETL/ML.
    "iot.candidate_promote": {"queue": "alerts"},
    "iot.*": {"queue": "default"},
    "patrol.*": {"queue": "long"},
}
# DatabaseScheduler behind a Redis leader lock (khareetaty/beat.py): any number of Beat
# processes may run, only the lock's holder fires. The holder renews it at least every
# CELERY_BEAT_MAX_LOOP_INTERVAL seconds; a dead holder's lock expires after BEAT_LOCK_TTL.
CELERY_BEAT_SCHEDULER = "khareetaty.beat:LeaderDatabaseScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 5
BEAT_LOCK_TTL = env_int("BEAT_LOCK_TTL", 30)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat must have ticked within this many seconds for /readyz to report it healthy.
BEAT_HEARTBEAT_MAX_AGE = env_int("BEAT_HEARTBEAT_MAX_AGE", 180)

# --- Analytics forecasting -------------------------------------------------------------------
# The forecaster of the nightly chain, run_analytics and the evaluation's ``model``: "gbm" (the
# global LightGBM model blended with its seasonal-change baseline) or "prophet" (Prophet
# blended with the weekday-adjusted 28-day mean). Per profile: "kuwait=prophet,chicago=gbm".
ANALYTICS_FORECASTER = env_str("ANALYTICS_FORECASTER", "gbm")
ANALYTICS_FORECASTER_BY_PROFILE = dict(
    item.split("=", 1) for item in env_list("ANALYTICS_FORECASTER_BY_PROFILE", []) if "=" in item
)
for _name, _value in {"": ANALYTICS_FORECASTER, **ANALYTICS_FORECASTER_BY_PROFILE}.items():
    if _value not in ("gbm", "prophet"):
        raise ImproperlyConfigured(f"forecaster {_value!r} ({_name or 'default'}): gbm or prophet")
# Threads of one LightGBM training (the worker shares its cores with the web and the alerts).
ANALYTICS_GBM_THREADS = env_int("ANALYTICS_GBM_THREADS", 1)
