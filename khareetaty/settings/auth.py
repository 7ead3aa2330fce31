"""Accounts, sign-in limits, lockout, two-factor sign-in and JWT."""

from datetime import timedelta

from khareetaty.env import env_bool, env_int, env_networks, env_secret, env_str
from khareetaty.settings.base import SECRET_KEY

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
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])

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
