"""The one way to start a Celery task from a service: ``enqueue_on_commit``.

The task object is imported directly (services import their own app's ``tasks`` inside the
function, since ``tasks`` imports the services; a lower app's task at the top). Its queue
comes from ``CELERY_TASK_ROUTES`` in settings, and only there. A lower app that needs a
higher one to act sends a signal instead (``incidents.signals``, ``analytics.signals``).
"""

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args, countdown: float | None = None) -> None:
    """Send ``task`` with id-only ``args`` once the surrounding transaction commits (at once
    outside a transaction): a worker never looks for a row that is not committed yet."""
    transaction.on_commit(lambda: task.apply_async(args=list(args), countdown=countdown))
