"""The morning briefing."""

import re

from django.core.exceptions import ImproperlyConfigured

from khareetaty.env import env_str

# --- Briefings ------------------------------------------------------------------------------
# Local time (HH:MM, the served profile's zone) after which the day's briefing is made.
BRIEFING_TIME = env_str("BRIEFING_TIME", "07:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", BRIEFING_TIME):
    raise ImproperlyConfigured("BRIEFING_TIME must be HH:MM (00:00-23:59).")

# The briefing renders PDFs: it runs beside ETL and ML, away from the alerts queue.
from khareetaty.settings.jobs import CELERY_TASK_ROUTES as _ROUTES  # noqa: E402

CELERY_TASK_ROUTES = {**_ROUTES, "briefings.*": {"queue": "long"}}

# WeasyPrint logs each of its seven rendering steps at INFO.
from khareetaty.settings.operability import LOGGING as _LOGGING  # noqa: E402

LOGGING = {**_LOGGING, "loggers": {**_LOGGING["loggers"], "weasyprint": {"level": "WARNING"}}}
