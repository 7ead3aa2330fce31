"""Celery tasks of the commands app: thin, id-only, safe to run twice. All on ``alerts``
(``CELERY_TASK_ROUTES``)."""

import logging
import random

from celery import shared_task
from django.conf import settings

from commands.models import Delivery
from commands.services.deliveries import SendOutcome, deliveries_fail_stuck, delivery_send
from commands.services.demo_activity import demo_activity_tick
from commands.services.escalation import escalation_tick
from commands.services.field_tasks import tasks_raise_overdue
from commands.services.rules import (
    rules_evaluate_analytics,
    rules_evaluate_batch,
    rules_evaluate_incidents,
)

logger = logging.getLogger(__name__)
MAX_SEND_RETRIES = 5


def retry_countdown(retries: int) -> float:
    """Exponential backoff with full jitter: base·2^n scaled by 0.5 to 1.5, capped."""
    base = float(getattr(settings, "COMMANDS_RETRY_BASE_SECONDS", 2.0))
    cap = float(getattr(settings, "COMMANDS_RETRY_MAX_SECONDS", 300.0))
    return min(cap, base * (2**retries)) * random.uniform(0.5, 1.5)


@shared_task(name="commands.rules_evaluate_incidents", acks_late=True)
def rules_evaluate_incidents_task(incident_ids: list[int]) -> int:
    return len(rules_evaluate_incidents(incident_ids=incident_ids))


@shared_task(name="commands.rules_evaluate_batch", acks_late=True)
def rules_evaluate_batch_task(batch_id: int) -> int:
    return len(rules_evaluate_batch(batch_id=batch_id))


@shared_task(
    name="commands.delivery_send",
    bind=True,
    acks_late=True,
    max_retries=MAX_SEND_RETRIES,
)
def delivery_send_task(self, delivery_id: int) -> str:
    if not Delivery.objects.filter(pk=delivery_id).exists():
        logger.warning("delivery %s is gone; nothing to send", delivery_id)
        return SendOutcome.SKIPPED
    outcome = delivery_send(
        delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries
    )
    if outcome == SendOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return outcome


@shared_task(name="commands.escalation_tick", acks_late=True)
def escalation_tick_task() -> int:
    return escalation_tick()


@shared_task(name="commands.tasks_raise_overdue", acks_late=True)
def tasks_raise_overdue_task() -> int:
    return len(tasks_raise_overdue())


@shared_task(name="commands.rules_evaluate_analytics", acks_late=True)
def rules_evaluate_analytics_task(run_id: int) -> int:
    return len(rules_evaluate_analytics(run_id=run_id))


@shared_task(name="commands.deliveries_fail_stuck", acks_late=True)
def deliveries_fail_stuck_task() -> int:
    return deliveries_fail_stuck()


@shared_task(name="commands.demo_activity_tick", acks_late=True)
def demo_activity_tick_task() -> int:
    """The demo's heartbeat; does nothing unless DEMO_ACTIVITY is on."""
    return len(demo_activity_tick())
