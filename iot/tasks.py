"""Celery tasks of the iot app: thin, safe to run twice. Queue from CELERY_TASK_ROUTES."""

from celery import shared_task

from iot.services.health import devices_check, events_upkeep


@shared_task(name="iot.devices_check", acks_late=True)
def devices_check_task() -> int:
    result = devices_check()
    return len(result.silenced) + len(result.returned)


@shared_task(name="iot.events_upkeep", acks_late=True)
def events_upkeep_task() -> dict:
    return events_upkeep()
