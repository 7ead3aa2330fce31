"""Periodic jobs of the briefings app (upserted by ``manage.py setup_periodic_tasks``)."""

from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Morning briefing",
        task="briefings.briefing_make",
        every_seconds=300,
        description=(
            "Makes, archives and e-mails the day's briefing once BRIEFING_TIME (default 07:00) "
            "has passed in the served profile's zone; once a day (checked every 5 minutes, so "
            "the time follows the profile's zone, not the server's)."
        ),
    ),
]
