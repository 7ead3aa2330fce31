import logging

from celery import shared_task

from briefings.services.briefing import briefing_due, briefing_make

logger = logging.getLogger(__name__)


@shared_task(name="briefings.briefing_make", acks_late=True)
def briefing_make_task() -> int | None:
    """Make today's briefing if its time has come and it does not exist (idempotent)."""
    day = briefing_due()
    if day is None:
        return None
    briefing = briefing_make(day=day)
    if briefing is not None:
        logger.info("briefing %s made for %s", briefing.pk, day)
    return briefing.pk if briefing else None
