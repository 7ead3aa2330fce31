"""The morning briefing."""

import re

from django.core.exceptions import ImproperlyConfigured

from khareetaty.env import env_str

# --- Briefings ------------------------------------------------------------------------------
# Local time (HH:MM, the served profile's zone) after which the day's briefing is made.
BRIEFING_TIME = env_str("BRIEFING_TIME", "07:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", BRIEFING_TIME):
    raise ImproperlyConfigured("BRIEFING_TIME must be HH:MM (00:00-23:59).")
