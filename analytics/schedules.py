"""Periodic jobs of the analytics app (upserted by ``manage.py setup_periodic_tasks``)."""

from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Nightly analytics (kuwait)",
        task="analytics.run_nightly",
        crontab={"minute": "0", "hour": "2"},
        kwargs={"profile": "kuwait"},
        description=(
            "02:00 Asia/Kuwait: intake sweep, hotspots, forecasts, risk map, evaluation, "
            "then alert evaluation (analytics.signals.run_finished)."
        ),
    ),
]
