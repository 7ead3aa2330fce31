"""Device health, run every minute: devices that fell silent (nothing for heartbeat interval
x ``IOT_SILENT_FACTOR``) raise a ``silent_device`` alert through the commands app's rules;
devices heard again have it resolved; devices sending far above their usual rate are flagged.
Also the daily upkeep: partitions ahead, expired partitions and rejected events dropped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commands.choices import ACTIVE_ALERT_STATUSES
from commands.models import Alert
from commands.services.alerts import alert_resolve
from commands.services.rules import rules_evaluate
from iot.choices import DeviceStatus
from iot.models import Device, RejectedEvent
from iot.rulekind import KIND, SCOPE_IOT_DEVICES
from iot.services.partitions import partitions_drop_expired, partitions_ensure

logger = logging.getLogger(__name__)


def _overdue(now: datetime) -> Q:
    """Nothing heard (or, never heard, registered) for heartbeat x IOT_SILENT_FACTOR."""
    allowed = ExpressionWrapper(
        F("heartbeat_seconds") * Value(timedelta(seconds=settings.IOT_SILENT_FACTOR)),
        output_field=DurationField(),
    )
    return Q(heard__lt=Value(now) - allowed)


def _with_heard():
    return Device.objects.annotate(heard=Coalesce("last_seen_at", "created_at"))


@dataclass
class HealthResult:
    silenced: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)
    alert_ids: list[int] = field(default_factory=list)


def devices_check(*, now: datetime | None = None) -> HealthResult:
    """Raise, clear and flag as described above; safe to run twice (state guards)."""
    now = now or timezone.now()
    result = HealthResult()
    with transaction.atomic():
        silent = list(
            _with_heard()
            .select_for_update(of=("self",))
            .filter(_overdue(now), status=DeviceStatus.ACTIVE, silent_since__isnull=True)
            .select_related("region")
        )
        Device.objects.filter(pk__in=[d.pk for d in silent]).update(silent_since=now)
        result.silenced = [d.pk for d in silent]
        if silent:
            alerts = rules_evaluate(scope=SCOPE_IOT_DEVICES, subject=silent, now=now)
            result.alert_ids = [a.pk for a in alerts]
    back = _with_heard().filter(silent_since__isnull=False).exclude(_overdue(now))
    for device in back:
        _device_returned(device, now)
        result.returned.append(device.pk)
    result.flagged = _rates_flag(now)
    return result


@transaction.atomic
def _device_returned(device: Device, now: datetime) -> None:
    Device.objects.filter(pk=device.pk).update(silent_since=None)
    alerts = Alert.objects.filter(
        rule__kind=KIND,
        status__in=ACTIVE_ALERT_STATUSES,
        dedup_key__regex=rf"^rule:\d+:device:{device.pk}$",
    )
    for alert in alerts:
        alert_resolve(alert=alert, actor=None, note=f"{device} is sending again.", now=now)


def _rates_flag(now: datetime) -> list[int]:
    """Flag devices whose events in the last window exceed IOT_RATE_FACTOR x their lifetime
    average for such a window (and IOT_RATE_MIN_EVENTS); clear the flag otherwise."""
    window = timedelta(minutes=settings.IOT_RATE_WINDOW_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT device_id, count(*) FROM iot_events WHERE occurred_at >= %s"
            " GROUP BY device_id HAVING count(*) >= %s",
            [now - window, settings.IOT_RATE_MIN_EVENTS],
        )
        recent = dict(cursor.fetchall())
    flagged = []
    for device in Device.objects.filter(pk__in=recent).only("pk", "created_at", "events_accepted"):
        windows = max((now - device.created_at) / window, 1.0)
        usual = device.events_accepted / windows
        if recent[device.pk] > settings.IOT_RATE_FACTOR * usual:
            flagged.append(device.pk)
    Device.objects.filter(pk__in=flagged, rate_flagged_at__isnull=True).update(rate_flagged_at=now)
    Device.objects.exclude(pk__in=flagged).filter(rate_flagged_at__isnull=False).update(
        rate_flagged_at=None
    )
    return flagged


def events_upkeep(*, now: datetime | None = None) -> dict[str, int]:
    """Partitions for the days ahead, expired partitions dropped, old rejected events
    deleted (same retention)."""
    now = now or timezone.now()
    created = partitions_ensure()
    dropped = partitions_drop_expired()
    cutoff = now - timedelta(days=settings.IOT_RETENTION_DAYS)
    deleted, _ = RejectedEvent.objects.filter(received_at__lt=cutoff).delete()
    logger.info(
        "iot upkeep: %s partitions created, %s dropped, %s rejected deleted",
        created,
        dropped,
        deleted,
    )
    return {"created": created, "dropped": dropped, "rejected_deleted": deleted}
