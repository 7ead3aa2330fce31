"""Business metrics for Prometheus, read from the database at scrape time: alerts open, time
to acknowledge, deliveries by channel and outcome, ETL batches and analytics runs by outcome.
Registered from CommandsConfig.ready() through khareetaty.metrics (commands may read the apps
below it)."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from analytics.choices import RunStatus
from analytics.models import ModelRun
from commands.choices import ACTIVE_ALERT_STATUSES
from commands.models import Alert, Delivery
from incidents.models import IngestBatch

ACK_WINDOW = timedelta(hours=24)
_ACK_QUANTILES_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (
         ORDER BY extract(epoch FROM acknowledged_at - created_at)),
       count(*)
FROM commands_alert
WHERE acknowledged_at IS NOT NULL AND acknowledged_at >= %s
"""


def _alert_metrics() -> Iterable[Metric]:
    active = GaugeMetricFamily(
        "khareetaty_alerts_active",
        "Alerts open or acknowledged (not yet resolved), by status and severity.",
        labels=["status", "severity"],
    )
    rows = (
        Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES)
        .values_list("status", "severity")
        .annotate(n=Count("id"))
    )
    for status, severity, count in rows:
        active.add_metric([status, severity], float(count))
    yield active
    with connection.cursor() as cursor:
        cursor.execute(
            _ACK_QUANTILES_SQL.replace("commands_alert", Alert._meta.db_table),
            [timezone.now() - ACK_WINDOW],
        )
        quantiles, count = cursor.fetchone()
    ack = GaugeMetricFamily(
        "khareetaty_alert_time_to_acknowledge_seconds",
        "Time from an alert's creation to its acknowledgement, over the last 24 hours.",
        labels=["quantile"],
    )
    for quantile, value in zip(("0.5", "0.9", "0.99"), quantiles or (), strict=False):
        if value is not None:
            ack.add_metric([quantile], float(value))
    yield ack
    yield GaugeMetricFamily(
        "khareetaty_alerts_acknowledged_24h",
        "Alerts acknowledged in the last 24 hours.",
        value=float(count),
    )


def _delivery_metrics() -> Iterable[Metric]:
    deliveries = CounterMetricFamily(
        "khareetaty_deliveries",
        "Notification deliveries by channel and outcome (status).",
        labels=["channel", "status"],
    )
    for channel, status, count in (
        Delivery.objects.values_list("channel", "status").annotate(n=Count("id")).order_by()
    ):
        deliveries.add_metric([channel, status], float(count))
    yield deliveries


def _job_metrics() -> Iterable[Metric]:
    batches = CounterMetricFamily(
        "khareetaty_ingest_batches",
        "ETL (ingestion) batches by source profile and outcome.",
        labels=["source", "status"],
    )
    for source, status, count in (
        IngestBatch.objects.values_list("source", "status").annotate(n=Count("id")).order_by()
    ):
        batches.add_metric([source, status], float(count))
    yield batches
    runs = CounterMetricFamily(
        "khareetaty_analytics_runs",
        "Analytics model runs by kind and outcome.",
        labels=["kind", "status"],
    )
    for kind, status, count in (
        ModelRun.objects.values_list("kind", "status").annotate(n=Count("id")).order_by()
    ):
        runs.add_metric([kind, status], float(count))
    yield runs
    last = GaugeMetricFamily(
        "khareetaty_analytics_last_success_timestamp_seconds",
        "When each kind of analytics run last succeeded (Unix time).",
        labels=["kind"],
    )
    for kind, finished in (
        ModelRun.objects.filter(status=RunStatus.SUCCEEDED)
        .values_list("kind")
        .annotate(last=Max("finished_at"))
        .order_by()
    ):
        if finished is not None:
            last.add_metric([kind], finished.timestamp())
    yield last


def business_metrics() -> Iterable[Metric]:
    yield from _alert_metrics()
    yield from _delivery_metrics()
    yield from _job_metrics()
