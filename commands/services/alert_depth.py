"""Working an alert in depth from the dashboard: notes, and acknowledging several at once.

Bulk acknowledgement is one ``alert_acknowledge`` per alert (each audited, each stopping its
escalation like a single acknowledgement); an alert that can no longer be acknowledged is
reported, not fatal to the others.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from commands.choices import AckVia
from commands.dispatch import announce_alert
from commands.models import Alert, AlertNote
from commands.services.alerts import alert_acknowledge
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

NOTE_MAX_LENGTH = 4000


@transaction.atomic
def alert_note_add(*, alert: Alert, actor, text: str) -> AlertNote:
    """Add a note to an alert (audited; the dashboard showing it reloads)."""
    note = AlertNote(alert=alert, author=actor, text=text.strip())
    note.full_clean()
    note.save()
    audit_record(
        action="alert_note_add",
        actor=actor,
        obj=alert,
        summary={"note": note.pk, "text": note.text},
    )
    announce_alert(alert.pk)
    return note


@dataclass
class BulkResult:
    """Which alerts were acknowledged and why the others were not (id → reason)."""

    acknowledged: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def alerts_acknowledge_bulk(
    *, alerts: list[Alert], missing: list[int], actor, via: str = AckVia.WEB
) -> BulkResult:
    """Acknowledge each alert through ``alert_acknowledge``, one transaction each."""
    result = BulkResult(refused=dict.fromkeys(missing, "not found"))
    now = timezone.now()
    for alert in alerts:
        try:
            alert_acknowledge(alert=alert, actor=actor, via=via, now=now)
        except (ApplicationError, ObjectDoesNotExist) as exc:
            result.refused[alert.pk] = str(exc)
        else:
            result.acknowledged.append(alert.pk)
    return result
