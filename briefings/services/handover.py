"""Shift handover: the outgoing supervisor signs off, the incoming one acknowledges."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from briefings.models import Handover
from briefings.selectors.handover import shift_summary
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError


class HandoverError(ApplicationError):
    code = "handover_refused"


class HandoverConflict(HandoverError):
    status_code = 409
    code = "handover_conflict"


@transaction.atomic
def handover_sign_off(
    *, user, shift_start: dt.datetime, shift_end: dt.datetime, notes: str
) -> Handover:
    """Freeze the shift's summary with the outgoing supervisor's notes and sign it off."""
    handover = Handover(
        shift_start=shift_start,
        shift_end=shift_end,
        summary=shift_summary(start=shift_start, end=shift_end),
        notes=notes,
        outgoing=user,
        signed_off_at=timezone.now(),
    )
    handover.full_clean()
    handover.save()
    audit_record(
        action="handover.sign_off",
        actor=user,
        obj=handover,
        summary={"shift_start": shift_start.isoformat(), "shift_end": shift_end.isoformat()},
    )
    return handover


@transaction.atomic
def handover_acknowledge(*, user, handover_id: int) -> Handover:
    """The incoming supervisor takes the shift over; once, and not from themselves."""
    handover = Handover.objects.select_for_update().get(pk=handover_id)
    if handover.acknowledged_at is not None:
        raise HandoverConflict(_("This handover has already been acknowledged."))
    if handover.outgoing_id == user.pk:
        raise HandoverError(_("The incoming supervisor must be someone else."))
    handover.incoming = user
    handover.acknowledged_at = timezone.now()
    handover.save(update_fields=["incoming", "acknowledged_at"])
    audit_record(action="handover.acknowledge", actor=user, obj=handover)
    return handover
