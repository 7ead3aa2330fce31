"""Paths, keys, apps, middleware, templates, languages, static files and geography."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from khareetaty.env import env_bool, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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
    "rest_framework_api_key",  # AbstractAPIKey: agency keys (interop), device keys (iot)
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
    "interop",
    "briefings",
    "iot",
    "patrol",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    # Logs every /api/interop/ request, refused ones too (before any refusal can happen).
    "interop.middleware.request_log",
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
