"""Enqueue commands tasks after the surrounding transaction commits.

Tasks are sent by name so services never import ``commands.tasks`` (which imports them).
Everything goes to the ``alerts`` queue, served by its own worker so it never waits behind
ETL or model training on ``long``.
"""

from celery import current_app
from django.conf import settings
from django.db import transaction

from commands.signals import alert_changed, task_changed


def alerts_queue() -> str:
    return getattr(settings, "COMMANDS_ALERTS_QUEUE", "alerts")


def enqueue(task_name: str, *args, countdown: float | None = None) -> None:
    """Send ``commands.<task_name>`` with id-only ``args`` once the transaction commits."""
    transaction.on_commit(
        lambda: current_app.send_task(
            f"commands.{task_name}", args=list(args), queue=alerts_queue(), countdown=countdown
        )
    )


def announce_alert(alert_id: int) -> None:
    """Send ``alert_changed`` after commit (the dashboard's live updates listen)."""
    transaction.on_commit(lambda: alert_changed.send_robust(sender=None, alert_id=alert_id))


def announce_task(task_id: int) -> None:
    transaction.on_commit(lambda: task_changed.send_robust(sender=None, task_id=task_id))
