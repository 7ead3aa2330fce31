"""Celery tasks of the analytics app (routed to the ``long`` queue)."""

import logging

from celery import shared_task

from analytics.choices import RunTrigger
from analytics.models import ModelRun
from analytics.services.runs import analytics_run_execute, analytics_run_request

logger = logging.getLogger(__name__)


@shared_task(name="analytics.run_pipeline", acks_late=True)
def analytics_run_execute_task(run_id: int) -> str | None:
    """Execute a queued chain (API and command requests). A run that is no longer queued is
    left alone, so a redelivered message does nothing."""
    if not ModelRun.objects.filter(pk=run_id).exists():
        logger.warning("analytics run %s does not exist", run_id)
        return None
    run = analytics_run_execute(run_id=run_id)
    return run.status if run else None


@shared_task(name="analytics.run_nightly", acks_late=True)
def analytics_run_nightly_task(profile: str = "kuwait") -> int:
    """Scheduled by Beat (02:00 Asia/Kuwait): request a chain and run it here; when a chain
    is already running, leave it be and return its id."""
    run, created = analytics_run_request(profile=profile, trigger=RunTrigger.SCHEDULE)
    if created:
        analytics_run_execute(run_id=run.pk)
    else:
        logger.info("analytics run %s is already running; nightly request skipped", run.pk)
    return run.pk
