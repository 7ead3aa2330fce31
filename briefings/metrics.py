"""Response measures on /metrics: median and 90th percentile of the last 7 days' waits.

A custom collector reads them from the database at scrape time (one query), so every
process answers the same numbers and nothing has to be kept in memory."""

import datetime as dt
import logging

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from briefings.selectors.measures import response_measures

logger = logging.getLogger(__name__)
WINDOW = dt.timedelta(days=7)


class ResponseCollector:
    """``khareetaty_response_seconds{measure, quantile}`` and ``khareetaty_response_waits``."""

    def collect(self):
        seconds = GaugeMetricFamily(
            "khareetaty_response_seconds",
            "Response time over the last 7 days (median and 90th percentile), seconds.",
            labels=["measure", "quantile"],
        )
        waits = GaugeMetricFamily(
            "khareetaty_response_waits",
            "Finished waits over the last 7 days behind khareetaty_response_seconds.",
            labels=["measure"],
        )
        now = timezone.now()
        try:
            rows = response_measures(since=now - WINDOW, until=now)
        except DatabaseError:
            logger.warning("response measures unavailable for /metrics", exc_info=True)
            rows = []
        for row in rows:
            seconds.add_metric([row.measure, "0.5"], row.median_seconds)
            seconds.add_metric([row.measure, "0.9"], row.p90_seconds)
            waits.add_metric([row.measure], row.count)
        yield seconds
        yield waits

    def describe(self):
        return []  # no collection at registration time (the database may not be ready)


_COLLECTOR = ResponseCollector()


def response_collector_register() -> None:
    """Register the collector once per process (``ready()`` may run more than once)."""
    if _COLLECTOR not in REGISTRY._collector_to_names:
        REGISTRY.register(_COLLECTOR)
