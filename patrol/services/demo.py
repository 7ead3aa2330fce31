"""The patrol part of the demo (``setup_patrol_demo``, run by ``setup_demo``): two units
per demo field team, their shifts for the next day, places from the risk map, and the next
shifts' plans published so "my patrol" has something to show. Idempotent."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from commands.models import Team
from incidents.profiles import load_profile
from khareetaty.exceptions import ApplicationError
from patrol.models import Shift, Unit
from patrol.services.places import places_refresh
from patrol.services.plans import next_shift_windows, plans_generate_upcoming
from patrol.services.units import shift_create, unit_create

PROFILE = "kuwait"
UNITS_PER_TEAM = 2


def _units(actor) -> list[Unit]:
    units = []
    for team in Team.objects.filter(
        slug__startswith="patrol-", region__isnull=False
    ).select_related("region"):
        for n in range(1, UNITS_PER_TEAM + 1):
            call_sign = f"{team.region.code}-{n}"
            unit = Unit.objects.filter(call_sign=call_sign).first()
            if unit is None:
                unit = unit_create(
                    actor=actor,
                    call_sign=call_sign,
                    geom=team.region.geom.point_on_surface,
                    team=team,
                    profile=PROFILE,
                )
            units.append(unit)
    return units


def demo_patrol_setup(*, now: datetime | None = None) -> dict:
    """Units, shifts for the next three shift windows, places and published plans."""
    now = now or timezone.now()
    analyst = get_user_model().objects.filter(username="analyst", is_active=True).first()
    tz = load_profile(PROFILE).tz
    units = _units(analyst)
    for start, end in next_shift_windows(tz=tz, now=now):
        for unit in units:
            if not Shift.objects.filter(unit=unit, start=start).exists():
                shift_create(
                    actor=analyst,
                    unit=unit,
                    start=start,
                    end=end,
                    patrol_minutes=240,
                    regions=[unit.team.region],
                )
    try:
        places = places_refresh(profile=PROFILE, actor=analyst, now=now)
    except ApplicationError as exc:
        return {"units": len(units), "error": exc.message}
    plans = plans_generate_upcoming(profile=PROFILE, tz=tz, now=now, publish_as=analyst)
    return {"units": len(units), "places": len(places), "plans": [p.pk for p in plans]}
