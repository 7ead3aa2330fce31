"""The interop app: partner agencies' API (``/api/interop/v1/``)."""

from khareetaty.env import env_bool, env_int

# --- Interop ---------------------------------------------------------------------------------
# A new service account's requests per minute (each key counted apart; 429 + Retry-After).
INTEROP_DEFAULT_RATE_LIMIT = env_int("INTEROP_DEFAULT_RATE_LIMIT", 100)
# Most records one push may carry (larger batches: the file upload of the staff API).
INTEROP_PUSH_MAX_RECORDS = env_int("INTEROP_PUSH_MAX_RECORDS", 1000)
# Pushes running at once per web process (each holds two database connections: keep
# 2 x this under DB_POOL_MAX_SIZE); more wait up to INTEROP_PUSH_WAIT_SECONDS, then 503.
INTEROP_PUSH_CONCURRENCY = env_int("INTEROP_PUSH_CONCURRENCY", 2)
INTEROP_PUSH_WAIT_SECONDS = env_int("INTEROP_PUSH_WAIT_SECONDS", 30)
# Most records one pull page may hold.
INTEROP_PAGE_MAX = env_int("INTEROP_PAGE_MAX", 500)
# Days a request-log row is kept; a daily job deletes older rows.
INTEROP_REQUEST_LOG_RETENTION_DAYS = env_int("INTEROP_REQUEST_LOG_RETENTION_DAYS", 400)
# Benchmark switches only (bench/interop.py): never turn these off in a deployment.
# ``check --deploy`` warns when either is off.
INTEROP_REQUEST_LOG_ENABLED = env_bool("INTEROP_REQUEST_LOG_ENABLED", True)
INTEROP_SCOPE_FILTER_ENABLED = env_bool("INTEROP_SCOPE_FILTER_ENABLED", True)
