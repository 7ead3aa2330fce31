"""Units and shifts: created and changed here (API and admin), audited."""

from datetime import datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction

from commands.models import Team
from incidents.models import Region
from khareetaty.audit.services import audit_record
from patrol.models import Shift, Unit

_UNIT_FIELDS = ("call_sign", "team", "kind", "geom", "status", "capabilities", "profile")


@transaction.atomic
def unit_create(*, actor, call_sign: str, geom: Point, team: Team | None = None, **fields) -> Unit:
    """Create a patrol unit (its team's members are its field supervisors)."""
    unit = Unit(call_sign=call_sign, geom=geom, team=team, **fields)
    unit.full_clean()
    unit.save()
    audit_record(
        action="patrol_unit_create", actor=actor, obj=unit, summary={"call_sign": call_sign}
    )
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, actor, **changes) -> Unit:
    """Change a unit's fields (call sign, team, kind, station, status, capabilities)."""
    for name, value in changes.items():
        if name not in _UNIT_FIELDS:
            raise ValueError(f"unknown field {name}")
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    audit_record(
        action="patrol_unit_update", actor=actor, obj=unit, summary={"fields": sorted(changes)}
    )
    return unit


@transaction.atomic
def shift_create(
    *,
    actor,
    unit: Unit,
    start: datetime,
    end: datetime,
    patrol_minutes: int,
    regions: list[Region] | None = None,
) -> Shift:
    """Put a unit on shift; directed-patrol minutes cannot exceed the shift's length."""
    shift = Shift(unit=unit, start=start, end=end, patrol_minutes=patrol_minutes)
    shift_check(shift)
    shift.save()
    shift.regions.set(regions or [])
    audit_record(
        action="patrol_shift_create",
        actor=actor,
        obj=shift,
        summary={"unit": unit.pk, "start": start.isoformat(), "minutes": patrol_minutes},
    )
    return shift


def shift_check(shift: Shift) -> None:
    """One-row rules of a shift (the admin form and the API call it before saving)."""
    shift.full_clean()
    length = (shift.end - shift.start).total_seconds() / 60
    if length > 24 * 60:
        raise ValidationError({"end": "A shift lasts at most 24 hours."})
    if shift.patrol_minutes > length:
        raise ValidationError({"patrol_minutes": "More patrol minutes than the shift lasts."})


@transaction.atomic
def shift_update(*, shift: Shift, actor, regions: list[Region] | None = None, **changes) -> Shift:
    """Change a shift's times, minutes or regions."""
    for name, value in changes.items():
        if name not in ("unit", "start", "end", "patrol_minutes"):
            raise ValueError(f"unknown field {name}")
        setattr(shift, name, value)
    shift_check(shift)
    shift.save()
    if regions is not None:
        shift.regions.set(regions)
    audit_record(
        action="patrol_shift_update", actor=actor, obj=shift, summary={"fields": sorted(changes)}
    )
    return shift
