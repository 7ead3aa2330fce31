"""Visits from a unit's GPS stream: a batch of timed points becomes visits where the unit
dwelt inside a patrol place (within the check-in tolerance) for at least
``PATROL_GPS_MIN_DWELL_MINUTES``; a gap longer than ``PATROL_GPS_MAX_GAP_SECONDS`` between
points ends a stay. Idempotent: each derived visit's key is made of the unit, the place and
the arrival, so a batch sent again (or points sent twice) adds no visit."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from khareetaty.audit.services import audit_record
from patrol.choices import PlanStatus, VisitSource
from patrol.models import PlanItem, Unit, Visit
from patrol.services.visits import check_unit_actor, visit_announce

MAX_POINTS = 5000

_PLACES_NEAR = """
SELECT t.i, p.id
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(lon, lat, i)
JOIN patrol_patrolplace p
  ON p.profile = %s AND p.is_active
 AND ST_DWithin(p.geom::geography, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geography, %s)
ORDER BY t.i, ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geography)
"""


@dataclass(frozen=True)
class Fix:
    """One GPS point of the stream."""

    at: datetime
    lon: float
    lat: float


@dataclass
class Stay:
    place: int
    arrival: datetime
    departure: datetime
    lon: float
    lat: float


def _place_of_each(unit: Unit, fixes: list[Fix]) -> list[int | None]:
    """The nearest active place each point lies in (within the tolerance), or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            _PLACES_NEAR,
            [
                [f.lon for f in fixes],
                [f.lat for f in fixes],
                unit.profile,
                settings.PATROL_CHECKIN_TOLERANCE_M,
            ],
        )
        found: dict[int, int] = {}
        for i, place in cursor.fetchall():
            found.setdefault(i - 1, place)
    return [found.get(i) for i in range(len(fixes))]


def dwell_stays(fixes: list[Fix], places: list[int | None]) -> list[Stay]:
    """Runs of consecutive points in one place, unbroken by a long gap, that last long
    enough (``fixes`` in time order)."""
    gap = timedelta(seconds=settings.PATROL_GPS_MAX_GAP_SECONDS)
    dwell = timedelta(minutes=settings.PATROL_GPS_MIN_DWELL_MINUTES)
    stays: list[Stay] = []
    run: Stay | None = None
    for fix, place in zip(fixes, places, strict=True):
        if run is not None and (place != run.place or fix.at - run.departure > gap):
            stays.append(run)
            run = None
        if place is None:
            continue
        if run is None:
            run = Stay(place, fix.at, fix.at, fix.lon, fix.lat)
        run.departure = fix.at
    if run is not None:
        stays.append(run)
    return [s for s in stays if s.departure - s.arrival >= dwell]


def _item_for(unit: Unit, stay: Stay) -> PlanItem | None:
    """The unit's item at this place on a published plan whose window holds the arrival."""
    return (
        PlanItem.objects.filter(
            unit=unit,
            place_id=stay.place,
            plan__status__in=[PlanStatus.PUBLISHED, PlanStatus.CLOSED],
            plan__window_start__lte=stay.arrival,
            plan__window_end__gt=stay.arrival,
        )
        .order_by("-plan__window_start")
        .first()
    )


@transaction.atomic
def visits_from_positions(*, unit: Unit, fixes: list[Fix], actor) -> tuple[list[Visit], int]:
    """Derive the unit's visits from a batch of GPS points; returns (visits, how many new)."""
    check_unit_actor(unit, actor)
    fixes = sorted(fixes, key=lambda f: f.at)
    stays = dwell_stays(fixes, _place_of_each(unit, fixes)) if fixes else []
    result, created = [], 0
    for stay in stays:
        key = f"gps:{unit.pk}:{stay.place}:{int(stay.arrival.timestamp())}"
        visit, new = Visit.objects.get_or_create(
            checkin_key=key,
            defaults={
                "unit": unit,
                "place_id": stay.place,
                "item": _item_for(unit, stay),
                "arrival": stay.arrival,
                "departure": stay.departure,
                "geom": Point(stay.lon, stay.lat, srid=settings.SRID),
                "source": VisitSource.GPS,
                "created_by": actor,
            },
        )
        result.append(visit)
        created += int(new)
        if new:
            visit_announce(visit, "gps")
    if created:
        audit_record(
            action="patrol_gps_visits",
            actor=actor,
            obj=unit,
            summary={"points": len(fixes), "visits": created},
        )
    return result, created
