"""Celery tasks of the ETL: thin, idempotent wrappers around the pipeline services."""

import logging

from celery import shared_task
from django.utils.translation import gettext as _

from incidents.models import IngestBatch
from incidents.pipeline.intake import intake_sweep
from incidents.pipeline.services import batch_fail, batch_fail_stale, batch_run
from incidents.services import incident_search_refresh

logger = logging.getLogger(__name__)


@shared_task(name="incidents.batch_run", acks_late=True)
def batch_run_task(batch_id: int) -> str | None:
    """Run a pending batch (API uploads). Running it twice is harmless: the service only
    starts a batch that is still pending. Whatever ends the task (a soft time limit, a lost
    database), the batch is marked failed, never left running; the error is not retried."""
    if not IngestBatch.objects.filter(pk=batch_id).exists():
        logger.warning("batch %s does not exist", batch_id)
        return None
    try:
        return batch_run(batch_id=batch_id).status
    except Exception:
        logger.exception("batch %s: the task failed", batch_id)
        batch_fail(
            batch_id=batch_id,
            message=_("The batch stopped on an internal error; nothing was stored."),
        )
        raise


@shared_task(name="incidents.intake_sweep", acks_late=True)
def intake_sweep_task() -> list[int]:
    """Ingest the files waiting in the intake staging folder (scheduled by Beat)."""
    result = intake_sweep()
    if result.skipped:
        logger.warning("intake sweep skipped %s: not plain files", ", ".join(result.skipped))
    return [batch.pk for batch in result.batches]


@shared_task(name="incidents.batches_fail_stale", acks_late=True)
def batches_fail_stale_task() -> list[int]:
    """Mark failed the batches left running by a worker that died (scheduled by Beat)."""
    return batch_fail_stale()


@shared_task(name="incidents.search_refresh", acks_late=True)
def incident_search_refresh_task() -> int:
    """Write the missing and outdated search documents (after each ingest batch, and on a
    schedule as a safety net). An upsert: safe to run twice."""
    return incident_search_refresh()
