"""After-commit hooks of the commands app: tasks (``enqueue``) and live announcements."""

from django.db import transaction

from commands.signals import alert_changed, task_changed
from khareetaty.enqueue import enqueue_on_commit


def enqueue(task_name: str, *args, countdown: float | None = None) -> None:
    """Send the commands task ``<task_name>_task`` after commit (``enqueue_on_commit``).
    Kept for ``services.deliveries`` until it imports its task like the other callers."""
    from commands import tasks  # the tasks module imports the services that call this

    enqueue_on_commit(getattr(tasks, f"{task_name}_task"), *args, countdown=countdown)


def announce_alert(alert_id: int) -> None:
    """Send ``alert_changed`` after commit (the dashboard's live updates listen)."""
    transaction.on_commit(lambda: alert_changed.send_robust(sender=None, alert_id=alert_id))


def announce_task(task_id: int) -> None:
    transaction.on_commit(lambda: task_changed.send_robust(sender=None, task_id=task_id))
