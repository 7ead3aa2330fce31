"""The alert timeline: one ``AlertEvent`` per thing that happened to an alert."""

from datetime import datetime

from commands.models import Alert, AlertEvent


def alert_event(
    *, alert: Alert, kind: str, now: datetime, actor=None, note: str = "", **data
) -> AlertEvent:
    """Append one line to an alert's timeline."""
    return AlertEvent.objects.create(
        alert=alert,
        kind=kind,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data,
    )
