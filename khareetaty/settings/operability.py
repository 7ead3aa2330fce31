"""Request ids, /metrics, /readyz and logging."""

from khareetaty.env import env_int, env_networks, env_secret, env_str

# --- Operability -------------------------------------------------------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "UUID_LENGTH": 32,
}
METRICS_TOKEN = env_secret("METRICS_TOKEN", "")
# /metrics (and /readyz details) without the token: loopback only unless widened here.
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
PROMETHEUS_EXPORT_MIGRATIONS = False
# /readyz runs its checks (database, Redis, a Celery ping, Beat) at most this often.
READYZ_CACHE_SECONDS = env_int("READYZ_CACHE_SECONDS", 5)
# The database check's deadline: a database that does not answer in time is "not ready".
READYZ_DATABASE_TIMEOUT = env_int("READYZ_DATABASE_TIMEOUT", 2)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"correlation_id": "request_id", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_guid": {"level": "WARNING"},
        "cmdstanpy": {"level": "WARNING"},
        "prophet": {"level": "WARNING"},
        "prophet.plot": {"level": "CRITICAL"},  # "plotly missing": plots are never drawn here
        "twilio": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # logs each rendering step at INFO
    },
}
