"""Daily partitions of ``iot_events``: created ahead (scheduled job, and on demand for the
days a batch needs) and dropped past the retention. The SQL functions doing it run as the
table's owner (migration 0001), so the application role can call them."""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

# Days whose partition this process has seen exist: the ingest path asks the database only
# for a day it has not seen (cleared when retention drops partitions).
_KNOWN_DAYS: set[date] = set()


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def partition_name(day: date) -> str:
    return f"iot_events_p{day:%Y%m%d}"


def partitions_for_days(days: set[date], *, using: str = "default") -> int:
    """Make sure each day has its partition; returns how many were created."""
    created = 0
    missing = sorted(days - _KNOWN_DAYS)
    if not missing:
        return 0
    with connections[using].cursor() as cursor:
        for day in missing:
            cursor.execute("SELECT iot_events_partition_ensure(%s)", [day])
            created += int(bool(cursor.fetchone()[0]))
    _KNOWN_DAYS.update(missing)
    return created


def partitions_ensure(
    *, days_ahead: int | None = None, days_behind: int = 0, using: str = "default"
) -> int:
    """Create the partitions from ``days_behind`` days ago to ``days_ahead`` days ahead
    (``IOT_PARTITION_DAYS_AHEAD``); returns how many were new."""
    ahead = settings.IOT_PARTITION_DAYS_AHEAD if days_ahead is None else days_ahead
    today = _today()
    _KNOWN_DAYS.clear()  # a scheduled run trusts the database, not this process's memory
    days = {today + timedelta(days=offset) for offset in range(-days_behind, ahead + 1)}
    return partitions_for_days(days, using=using)


def partitions_drop_expired(*, retention_days: int | None = None, using: str = "default") -> int:
    """Drop the partitions whose whole day is older than the retention; returns how many."""
    keep = settings.IOT_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = _today() - timedelta(days=keep)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT iot_events_partitions_drop_before(%s)", [cutoff])
        dropped = cursor.fetchone()[0]
    _KNOWN_DAYS.clear()
    return dropped


def partitions_list(*, using: str = "default") -> list[str]:
    """Names of the existing partitions, oldest first."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'iot_events'::regclass ORDER BY c.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def event_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()
