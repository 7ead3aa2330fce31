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
    yield _counted(
        GaugeMetricFamily(
            "khareetaty_alerts_active",
            "Alerts open or acknowledged (not yet resolved), by status and severity.",
            labels=["status", "severity"],
        ),
        Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES),
        ("status", "severity"),
    )
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


def _counted(family, queryset, fields: tuple[str, str]):
    """``family`` with one sample per pair of ``fields`` values: how many rows have it."""
    pairs = queryset.values_list(*fields).annotate(n=Count("id")).order_by()
    for first, second, count in pairs:
        family.add_metric([first, second], float(count))
    return family


def _delivery_metrics() -> Iterable[Metric]:
    yield _counted(
        CounterMetricFamily(
            "khareetaty_deliveries",
            "Notification deliveries by channel and outcome (status).",
            labels=["channel", "status"],
        ),
        Delivery.objects.all(),
        ("channel", "status"),
    )


def _job_metrics() -> Iterable[Metric]:
    yield _counted(
        CounterMetricFamily(
            "khareetaty_ingest_batches",
            "ETL (ingestion) batches by source profile and outcome.",
            labels=["source", "status"],
        ),
        IngestBatch.objects.all(),
        ("source", "status"),
    )
    yield _counted(
        CounterMetricFamily(
            "khareetaty_analytics_runs",
            "Analytics model runs by kind and outcome.",
            labels=["kind", "status"],
        ),
        ModelRun.objects.all(),
        ("kind", "status"),
    )
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
