"""Khareetaty settings: one module, every deployment difference comes from the environment.

Development works with no variables set. With ``DEBUG`` off the process refuses to start
without a real ``SECRET_KEY``, and the secure defaults make ``check --deploy`` clean.
``.env.example`` documents every variable read here.
"""

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

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105 — refused when DEBUG is off
SECRET_KEY = env_secret("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (
    not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
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
DATABASE_URL = env_secret(
    "DATABASE_URL", f"postgis://khareetaty@127.0.0.1:{_LOCAL_PG_PORT}/khareetaty"
)
DATABASES = {"default": _env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
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
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

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
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["khareetaty.permissions.RoleAccess"],
    "DEFAULT_THROTTLE_CLASSES": [
        "khareetaty.throttling.UserRateLimit",
        "khareetaty.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
# never wait behind a long job.
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
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12"]
)
PROMETHEUS_EXPORT_MIGRATIONS = False

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
