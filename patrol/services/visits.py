"""Check in and out of patrol places from the field. The check-in location must lie in the
place (within the tolerance); every update carries the client's idempotency key, so an
update sent twice (offline queue replays) is applied once."""

from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import transaction
from django.utils import timezone

from commands.live import live_publish
from khareetaty.accounts.choices import Role
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError, Conflict
from patrol.choices import PlanStatus
from patrol.models import PatrolPlace, PlanItem, Visit


class NotYourUnit(ApplicationError):
    status_code = 403
    code = "permission_denied"


def check_unit_actor(unit, actor) -> None:
    """Field supervisors act only for the units of their teams."""
    if actor.role == Role.FIELD_SUPERVISOR and (
        unit.team_id is None or not unit.team.members.filter(pk=actor.pk).exists()
    ):
        raise NotYourUnit("This patrol belongs to another unit.")


def visit_announce(visit: Visit, state: str) -> None:
    """Tell the dashboards (live feed) once the transaction commits: a unit checked in or
    out of a place; their plan layer reloads."""
    data = {"id": visit.pk, "unit": visit.unit_id, "place": visit.place_id, "state": state}
    transaction.on_commit(lambda: live_publish(kind="patrol.visit", data=data, sequence="patrol"))


def _check_actor(item: PlanItem, actor) -> None:
    check_unit_actor(item.unit, actor)


def _inside(place: PatrolPlace, point: Point) -> bool:
    tolerance = D(m=settings.PATROL_CHECKIN_TOLERANCE_M)
    return PatrolPlace.objects.filter(pk=place.pk, geom__distance_lte=(point, tolerance)).exists()


@transaction.atomic
def visit_check_in(
    *, item: PlanItem, actor, geom: Point, key: str, at: datetime | None = None
) -> tuple[Visit, bool]:
    """Start a visit at the item's place; returns (visit, created). The same key again
    returns the first visit unchanged."""
    item = PlanItem.objects.select_related("plan", "place", "unit__team").get(pk=item.pk)
    existing = Visit.objects.filter(checkin_key=key).first()
    if existing is not None:
        if existing.item_id != item.pk:
            raise Conflict("This idempotency key was used for another patrol.")
        return existing, False
    _check_actor(item, actor)
    if item.plan.status != PlanStatus.PUBLISHED:
        raise Conflict("Check-ins are taken only on a published plan.")
    if not _inside(item.place, geom):
        raise ApplicationError(
            "You are not at this patrol place.",
            extra={"tolerance_m": settings.PATROL_CHECKIN_TOLERANCE_M},
        )
    if Visit.objects.filter(unit=item.unit, departure__isnull=True).exists():
        raise Conflict("Check out of the current place first.")
    visit = Visit(
        unit=item.unit,
        place=item.place,
        item=item,
        arrival=at or timezone.now(),
        geom=geom,
        checkin_key=key,
        created_by=actor,
    )
    visit.full_clean()
    visit.save()
    audit_record(action="patrol_check_in", actor=actor, obj=visit, summary={"item": item.pk})
    visit_announce(visit, "in")
    return visit, True


@transaction.atomic
def visit_check_out(
    *, visit: Visit, actor, key: str, geom: Point | None = None, at: datetime | None = None
) -> tuple[Visit, bool]:
    """End a visit; returns (visit, changed). The same key again changes nothing."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("item__unit__team")
        .get(pk=visit.pk)
    )
    if visit.checkout_key == key:
        return visit, False
    if visit.departure is not None:
        raise Conflict("This visit is already checked out.")
    if visit.item is not None:
        _check_actor(visit.item, actor)
    departure = at or timezone.now()
    if departure < visit.arrival:
        raise ApplicationError("Check-out cannot come before check-in.")
    visit.departure, visit.checkout_key = departure, key
    visit.save(update_fields=["departure", "checkout_key"])
    audit_record(
        action="patrol_check_out",
        actor=actor,
        obj=visit,
        summary={"minutes": round(visit.minutes, 1)},
    )
    visit_announce(visit, "out")
    return visit, True
