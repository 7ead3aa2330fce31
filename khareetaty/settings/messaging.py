"""Mail, Twilio, message links, the escalation policy and the demo activity."""

import environ

from khareetaty.env import env_bool, env_int, env_secret, env_str
from khareetaty.settings.base import BASE_DIR, DEBUG

# --- Mail and messaging (integrations stay off until their credentials exist) -------------
_env = environ.Env()
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
