"""Periodic jobs, declared in code and upserted by name into django-celery-beat.

Each app lists its jobs in ``<app>/schedules.py`` as ``PERIODIC_TASKS``; the
``setup_periodic_tasks`` command collects them. Operators edit times or pause jobs in the
admin afterwards; re-running the command keeps their ``enabled`` choice. A job's queue is
its task's route (``CELERY_TASK_ROUTES``), declared nowhere else.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None  # {"minute": "0", "hour": "2"} in settings.TIME_ZONE
    kwargs: dict = field(default_factory=dict)
    description: str = ""


PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Beat heartbeat",
        task="khareetaty.beat_heartbeat",
        every_seconds=30,
        description="Proves Beat and a worker are alive; /readyz reads it.",
    ),
]
