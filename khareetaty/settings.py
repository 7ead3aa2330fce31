"""Khareetaty settings: one module, every deployment difference comes from the environment.

Development works with no variables set. With ``DEBUG`` off the process refuses to start
without a real ``SECRET_KEY``, and the secure defaults make ``check --deploy`` clean.
``.env.example`` documents every variable read here.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from khareetaty.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KHAREETATY_VAR_DIR", str(BASE_DIR / "var")))

# Ports of the project-local development services chosen by scripts/bootstrap.sh; never
# overrides a variable that is set, and absent in any real deployment.
if (VAR_DIR / "local.env").exists():
    environ.Env.read_env(VAR_DIR / "local.env")

DEBUG = env_bool("DEBUG", False)

# No default, in any mode: a known key lets anyone mint tokens and acknowledge links.
# `make run` / `make test` generate one per installation (var/secret-key, mode 600).
SECRET_KEY = env_secret("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY:  # Django's placeholder keys say so
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value (at least 50 characters), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

# Keys the audit trail's hash chain (HMAC-SHA256). Held outside the database, so whoever can
# write to the database still cannot forge a consistent chain.
AUDIT_HMAC_KEY = env_secret("AUDIT_HMAC_KEY", "")
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY must be set to a random value of at least 32 characters "
        "(kept outside the database; `make run` generates var/audit-hmac-key)."
    )
# Signed checkpoints of the chain's head are appended here (keep it in the backups).
AUDIT_CHECKPOINT_FILE = Path(
    env_str("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.jsonl"))
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "khareetaty.admin_config.KhareetatyAdminConfig",  # django.contrib.admin, superadmins only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "django_guid",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "leaflet",
    "khareetaty.accounts",
    "khareetaty.audit",
    "khareetaty",
    "incidents",
    "analytics",
    "commands",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "khareetaty.limits.request_body_limit",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "khareetaty.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "khareetaty.urls"
WSGI_APPLICATION = "khareetaty.wsgi.application"
ASGI_APPLICATION = "khareetaty.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

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

REDIS_URL = env_secret(
    "REDIS_URL", f"redis://127.0.0.1:{env_int('KHAREETATY_REDIS_PORT', 63799)}/0"
)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "khareetaty"),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# channels_redis waits for messages with BZPOPMIN blocking 5 s on the server; redis-py's
# default socket timeout is also 5 s, so an idle socket's read timed out just as the server
# answered and the consumer died (the live connection dropped every 5 s with no close frame).
# The read timeout must stay well above the block time.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": env_secret("CHANNEL_LAYER_REDIS_URL", REDIS_URL),
                    "socket_timeout": env_int("CHANNEL_LAYER_SOCKET_TIMEOUT", 30),
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                }
            ]
        },
    }
}
# Each live socket re-checks its user (active, role, teams, session) this often.
LIVE_RECHECK_SECONDS = env_int("LIVE_RECHECK_SECONDS", 60)

# --- Accounts and authentication ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout: after AXES_FAILURE_LIMIT failures from one user at one IP, both are locked out
# for AXES_COOLOFF_MINUTES. Counted in the database so every web process sees it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "khareetaty.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "khareetaty.net.client_ip"
AXES_VERBOSE = False


# The reverse proxies in front of the app (addresses or CIDR networks). Only a request whose
# peer is one of them has its X-Forwarded-For read (from the right, up to the first address
# that is not a trusted proxy). Empty (the default): REMOTE_ADDR is the client. The one
# source of the client address for rate limits, lockout, the audit trail and /metrics.
def _env_networks(name: str, default: list[str]) -> list[str]:
    networks = env_list(name, default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {exc}") from exc
    return networks


TRUSTED_PROXIES = _env_networks("TRUSTED_PROXIES", [])

# Sign-in limits, pages and API alike, on top of the per-username lockout above: failed
# sign-ins per client address across every username (over AXES_COOLOFF_MINUTES), attempts
# per address, and attempts from everybody together.
SIGNIN_FAILURES_PER_ADDRESS = env_int("SIGNIN_FAILURES_PER_ADDRESS", 20)
SIGNIN_RATE_LIMIT = env_str("SIGNIN_RATE_LIMIT", "30/min")
SIGNIN_GLOBAL_RATE_LIMIT = env_str("SIGNIN_GLOBAL_RATE_LIMIT", "600/min")

# Two-factor sign-in (TOTP, django-otp) for superadmins: asked of every superadmin who has
# enrolled a device, and of every superadmin at all when this is on (pages and API).
REQUIRE_2FA_FOR_SUPERADMINS = env_bool("REQUIRE_2FA_FOR_SUPERADMINS", False)
OTP_TOTP_ISSUER = "Khareetaty"
# Authenticator secrets are shown once, to their owner, at enrolment; never in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 8 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env_secret("JWT_SIGNING_KEY", SECRET_KEY),
    "ALGORITHM": "HS256",
}

# --- REST API --------------------------------------------------------------------------------
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "100/min")
# Most cells one /map/incidents answer may hold (under 64 bytes each); page data is limited
# at API_RATE_LIMIT too, counted apart from the API (khareetaty/pagedata.py).
MAP_LAYER_MAX_CELLS = env_int("MAP_LAYER_MAX_CELLS", 20_000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "khareetaty.accounts.tokens.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["khareetaty.permissions.RoleAccess"],
    # JSON with bounded nesting: a body nested 10,000 levels answers 400, not 500.
    "DEFAULT_PARSER_CLASSES": [
        "khareetaty.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "khareetaty.throttling.UserRateLimit",
        "khareetaty.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "khareetaty.schema.AutoSchema",
    "EXCEPTION_HANDLER": "khareetaty.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Khareetaty API",
    "DESCRIPTION": "Crime analytics and command API. Authenticate with POST /api/auth/login.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["khareetaty.permissions.RoleAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.choices.IncidentStatus",
        "BatchStatusEnum": "incidents.choices.BatchStatus",
        "RunStatusEnum": "analytics.choices.RunStatus",
        "RunKindEnum": "analytics.choices.RunKind",
        "AlertStatusEnum": "commands.choices.AlertStatus",
        "AlertEventKindEnum": "commands.choices.AlertEventKind",
        "RuleKindEnum": "commands.choices.RuleKind",
        "DeliveryStatusEnum": "commands.choices.DeliveryStatus",
        "TaskStatusEnum": "commands.choices.TaskStatus",
    },
}

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Kuwait")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Debian 12 ships GDAL 3.6, which cannot block GDAL's own file/network access (gis.W001).
# Khareetaty opens only operator-supplied boundary files and runs air-gapped, so the warning
# is acknowledged here rather than hidden by a vendored GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Geography -----------------------------------------------------------------------------
SRID = 4326
API_SRID = 4326
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (29.31, 47.98),
    "DEFAULT_ZOOM": 9,
    "MIN_ZOOM": 6,
    "MAX_ZOOM": 18,
    # No tiles unless a self-hosted tile server is configured: the map must work air-gapped.
    "TILES": [(_("Map"), MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})]
    if MAP_TILE_URL
    else [],
    "ATTRIBUTION_PREFIX": "Khareetaty",
    "RESET_VIEW": False,
}


# --- Content Security Policy (django-csp) ---------------------------------------------------
# Scripts, styles and connections from this origin only: no inline script, no eval, no
# inline style attribute, no third-party origin. Page config travels in json_script blocks
# (data, never executed). Map tiles are allowed from MAP_TILE_URL's origin only when set.
def _tile_origin(url: str) -> list[str]:
    parts = urlsplit(url.replace("{s}.", "*."))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origin(MAP_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

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
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat must have ticked within this many seconds for /readyz to report it healthy.
BEAT_HEARTBEAT_MAX_AGE = env_int("BEAT_HEARTBEAT_MAX_AGE", 180)

# --- Mail and messaging (integrations stay off until their credentials exist) -------------
EMAIL_URL = env_secret("EMAIL_URL", "consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(_env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "khareetaty@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TWILIO_ACCOUNT_SID = env_secret("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_secret("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_WHATSAPP_FROM = env_str("TWILIO_WHATSAPP_FROM", "")
TWILIO_BASE_URL = env_str("TWILIO_BASE_URL", "")  # a test double or regional edge
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)
TWILIO_WHATSAPP_CONTENT_SID = env_str("TWILIO_WHATSAPP_CONTENT_SID", "")
# Public base URL for links in messages and Twilio callbacks (and their signature checks).
SITE_URL = env_str("SITE_URL", "")
ESCALATION_POLICY_FILE = env_str(
    "ESCALATION_POLICY_FILE", str(BASE_DIR / "config" / "escalation.yaml")
)
# The demo's activity generator (a few incidents per tick through the ingest service).
# `make run` turns it on; off everywhere else.
DEMO_ACTIVITY = env_bool("DEMO_ACTIVITY", False)
DEMO_ACTIVITY_PER_TICK = env_int("DEMO_ACTIVITY_PER_TICK", 3)

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
METRICS_ALLOWED_NETWORKS = _env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
PROMETHEUS_EXPORT_MIGRATIONS = False
# /readyz runs its checks (database, Redis, a Celery ping, Beat) at most this often.
READYZ_CACHE_SECONDS = env_int("READYZ_CACHE_SECONDS", 5)

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
    },
}

# --- Security ----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
# /healthz and /readyz are probed over plain HTTP inside the deployment network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
