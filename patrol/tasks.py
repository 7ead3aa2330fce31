"""Celery tasks of the patrol app (routed to the ``long`` queue)."""

import logging

from celery import shared_task

from incidents.profiles import load_profile
from patrol.services.plans import plans_generate_upcoming

logger = logging.getLogger(__name__)


@shared_task(name="patrol.generate_nightly", acks_late=True)
def plans_generate_upcoming_task(profile: str = "kuwait") -> list[int]:
    """Scheduled by Beat after the nightly analytics chain: draft plans for the next day's
    shifts (windows that already have a plan are left alone)."""
    plans = plans_generate_upcoming(profile=profile, tz=load_profile(profile).tz)
    logger.info("patrol plans generated for %s: %s", profile, [p.pk for p in plans])
    return [p.pk for p in plans]
