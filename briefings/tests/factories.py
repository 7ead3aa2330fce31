"""factory_boy factories of the briefings tests (alerts with known response times)."""

import datetime as dt

import factory

from commands.choices import AlertStatus, Severity
from commands.models import Alert

START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    severity = Severity.HIGH
    status = AlertStatus.OPEN
    title_en = factory.Sequence(lambda n: f"Alert {n}")
    title_ar = "تنبيه"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    first_seen_at = START
    last_seen_at = factory.LazyAttribute(lambda o: o.first_seen_at)


def alert_with_waits(*, ack: int | None = None, resolve: int | None = None, **extra) -> Alert:
    """An alert first seen at ``first_seen_at`` (default START), acknowledged ``ack`` and
    resolved ``resolve`` seconds later."""
    alert = AlertFactory(**extra)
    seen = alert.first_seen_at
    if ack is not None:
        alert.acknowledged_at = seen + dt.timedelta(seconds=ack)
        alert.status = AlertStatus.ACKNOWLEDGED
    if resolve is not None:
        alert.resolved_at = seen + dt.timedelta(seconds=resolve)
        alert.status = AlertStatus.RESOLVED
    alert.save()
    return alert
