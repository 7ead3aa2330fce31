"""Ingestion and Celery."""

from datetime import timedelta
from pathlib import Path

from khareetaty.env import env_int, env_list, env_secret, env_str
from khareetaty.settings.base import TIME_ZONE, VAR_DIR
from khareetaty.settings.stores import REDIS_URL

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
    "analytics.*": {"queue": "long"},
    "commands.*": {"queue": "alerts"},
    "patrol.*": {"queue": "long"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat must have ticked within this many seconds for /readyz to report it healthy.
BEAT_HEARTBEAT_MAX_AGE = env_int("BEAT_HEARTBEAT_MAX_AGE", 180)
