"""Celery tasks of the iot app: thin, safe to run twice. Queue from CELERY_TASK_ROUTES."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from commands.tasks import retry_countdown
from iot.services.health import devices_check, events_upkeep
from iot.services.promotion import candidate_promote, candidates_promote_overdue

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(name="iot.devices_check", acks_late=True)
def devices_check_task() -> int:
    result = devices_check()
    return len(result.silenced) + len(result.returned)


@shared_task(name="iot.events_upkeep", acks_late=True)
def events_upkeep_task() -> dict:
    return events_upkeep()


@shared_task(name="iot.candidate_promote", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def candidate_promote_task(self, candidate_id: int) -> int | None:
    """On ``alerts``: a sensor incident is an alert's input, never behind ETL or ML."""
    try:
        return candidate_promote(candidate_id=candidate_id)
    except (OperationalError, InterfaceError) as exc:  # the database is away: transient
        logger.warning("promoting candidate %s failed (%s); retrying", candidate_id, exc)
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="iot.candidates_promote_overdue", acks_late=True)
def candidates_promote_overdue_task() -> int:
    return len(candidates_promote_overdue())
