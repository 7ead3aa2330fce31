"""PostgreSQL, Redis (cache, sessions) and the channel layer."""

import environ

from khareetaty.env import env_int, env_list, env_secret, env_str

# --- Data stores -------------------------------------------------------------------------
_env = environ.Env()
_LOCAL_PG_PORT = env_int("KHAREETATY_PG_PORT", 54329)
# The local cluster has two roles: `khareetaty` owns the schema (migrations, test databases),
# `khareetaty_app` is what `make run` serves as (KHAREETATY_PG_USER=khareetaty_app).
_LOCAL_PG_USER = env_str("KHAREETATY_PG_USER", "khareetaty")
DATABASE_URL = env_secret(
    "DATABASE_URL", f"postgis://{_LOCAL_PG_USER}@127.0.0.1:{_LOCAL_PG_PORT}/khareetaty"
)
# The non-owner role the application runs as. `migrate` (run as the owner) grants it what it
# needs: read/write on every table, but only INSERT and SELECT on the audit trail. Empty
# means the application runs as the owner (not recommended: it could rewrite the trail).
DB_APP_ROLE = env_str("DB_APP_ROLE", "khareetaty_app")
DATABASES = {"default": _env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# DB_POOL_MAX_SIZE > 0 (the web process under ASGI): psycopg's connection pool, bounded, so
# threads serving sync views share connections instead of each keeping one open. Elsewhere
# (Celery workers, commands, tests) one persistent connection per process (CONN_MAX_AGE).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_int("DB_POOL_MIN_SIZE", 2), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        # A request waits at most this long for a free connection.
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = env_str("TEST_DATABASE_NAME")

# The database number inside Redis: tests take their own (khareetaty/pytest_environment.py), so
# a test run never flushes a running installation's cache or queues, nor another run's.
REDIS_DB = env_int("REDIS_DB", 0)
REDIS_URL = env_secret(
    "REDIS_URL", f"redis://127.0.0.1:{env_int('KHAREETATY_REDIS_PORT', 63799)}/{REDIS_DB}"
)
# Redis with Sentinel (high availability): REDIS_SENTINELS lists the sentinels
# ("host:port,host:port,..."); the cache, the Celery broker and result backend and the channel
# layer then all ask them for the current primary and follow a failover. REDIS_URL is ignored.
REDIS_SENTINELS = [
    (host.strip(), int(port))
    for host, _, port in (item.rpartition(":") for item in env_list("REDIS_SENTINELS", []))
]
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "khareetaty")
REDIS_PASSWORD = env_secret("REDIS_PASSWORD", "")
REDIS_SENTINEL_PASSWORD = env_secret("REDIS_SENTINEL_PASSWORD", "")
_SENTINEL_KWARGS = {"password": REDIS_SENTINEL_PASSWORD} if REDIS_SENTINEL_PASSWORD else None

_CACHE_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
if REDIS_SENTINELS:
    _CACHE_LOCATION = f"redis://{REDIS_SENTINEL_MASTER}/{REDIS_DB}"
    _CACHE_OPTIONS.update(
        CLIENT_CLASS="django_redis.client.SentinelClient",
        CONNECTION_FACTORY="django_redis.pool.SentinelConnectionFactory",
        SENTINELS=REDIS_SENTINELS,
        SENTINEL_KWARGS=_SENTINEL_KWARGS,
    )
    if REDIS_PASSWORD:
        _CACHE_OPTIONS["PASSWORD"] = REDIS_PASSWORD
else:
    _CACHE_LOCATION = REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _CACHE_LOCATION,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "khareetaty"),
        "OPTIONS": _CACHE_OPTIONS,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# channels_redis waits for messages with BZPOPMIN blocking 5 s on the server; redis-py's
# default socket timeout is also 5 s, so an idle socket's read timed out just as the server
# answered and the consumer died (the live connection dropped every 5 s with no close frame).
# The read timeout must stay well above the block time.
_CHANNEL_HOST = {
    "socket_timeout": env_int("CHANNEL_LAYER_SOCKET_TIMEOUT", 30),
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
}
if REDIS_SENTINELS:
    _CHANNEL_HOST.update(
        sentinels=REDIS_SENTINELS,
        master_name=REDIS_SENTINEL_MASTER,
        sentinel_kwargs=_SENTINEL_KWARGS,
        db=REDIS_DB,
    )
    if REDIS_PASSWORD:
        _CHANNEL_HOST["password"] = REDIS_PASSWORD
else:
    _CHANNEL_HOST["address"] = env_secret("CHANNEL_LAYER_REDIS_URL", REDIS_URL)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [_CHANNEL_HOST]},
    }
}
# Each live socket re-checks its user (active, role, teams, session) this often.
LIVE_RECHECK_SECONDS = env_int("LIVE_RECHECK_SECONDS", 60)
