"""Periodic jobs of the patrol app (upserted by ``manage.py setup_periodic_tasks``)."""

from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Nightly patrol plans (kuwait)",
        task="patrol.generate_nightly",
        crontab={"minute": "30", "hour": "4"},
        kwargs={"profile": "kuwait"},
        description=(
            "04:30 Asia/Kuwait, after the 02:00 analytics chain: draft patrol plans for the "
            "next day's shifts from the new risk map (analysts publish them)."
        ),
    ),
]
