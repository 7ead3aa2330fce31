"""Visits from a unit's GPS stream: dwelling inside a place (with the tolerance) makes a
visit, passing through does not, and a batch sent twice adds nothing."""

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.utils import timezone

from khareetaty.accounts.choices import Role
from patrol.choices import VisitSource
from patrol.models import PatrolPlace, Visit
from patrol.tests.factories import ORIGIN, UnitFactory, capital, cell_polygon

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)


@pytest.fixture
def place():
    region = capital()
    geom = MultiPolygon(cell_polygon(2, 2), srid=4326)
    return PatrolPlace.objects.create(
        profile="kuwait", region=region, geom=geom, centroid=geom.centroid, rate=1.0, cells=[]
    )


def _track(minutes_inside: int, *, far: bool = False) -> list[dict]:
    """A drive in from the west, ``minutes_inside`` one-minute points at the place (or
    ~70 m outside its edge), then away."""
    inside = (ORIGIN[0] + 2.5 * 0.0025, ORIGIN[1] + 2.5 * 0.0025)
    if far:  # 0.0007 deg (~70 m) west of the west edge: within the 100 m tolerance
        inside = (ORIGIN[0] + 2 * 0.0025 - 0.0007, inside[1])
    points = [(ORIGIN[0] - 0.02, inside[1]), (ORIGIN[0] - 0.01, inside[1])]
    points += [inside] * (minutes_inside + 1)
    points += [(ORIGIN[0] + 0.03, inside[1])]
    return [
        {"at": (T0 + dt.timedelta(minutes=i)).isoformat(), "lon": lon, "lat": lat}
        for i, (lon, lat) in enumerate(points)
    ]


def _post(client, unit, points):
    return client.post(f"/api/patrol/units/{unit.pk}/positions", {"points": points}, format="json")


def test_dwelling_in_a_place_makes_one_visit_and_the_same_batch_again_adds_none(place, client_for):
    field = client_for(Role.FIELD_SUPERVISOR)
    unit = UnitFactory(team__members=[field.user])
    points = _track(12)
    first = _post(field, unit, points)
    assert first.status_code == 200, first.json()
    assert first.json()["created"] == 1
    visit = Visit.objects.get()
    assert visit.place == place and visit.source == VisitSource.GPS
    assert visit.arrival == T0 + dt.timedelta(minutes=2)
    assert visit.minutes == pytest.approx(12)
    again = _post(field, unit, list(reversed(points)))  # same points, any order
    assert again.status_code == 200 and again.json()["created"] == 0
    assert [v["id"] for v in again.json()["visits"]] == [visit.pk]
    assert Visit.objects.count() == 1


def test_points_within_the_tolerance_count_and_passing_through_does_not(
    place, client_for, settings
):
    settings.PATROL_GPS_MIN_DWELL_MINUTES = 5
    analyst = client_for(Role.ANALYST)
    unit = UnitFactory()
    assert _post(analyst, unit, _track(2)).json()["created"] == 0  # 2 minutes: passing by
    assert _post(analyst, unit, _track(6, far=True)).json()["created"] == 1
    assert Visit.objects.get().geom.distance(place.geom) > 0  # outside, within tolerance


def test_a_long_gap_in_the_stream_splits_the_stay(place, client_for, settings):
    settings.PATROL_GPS_MAX_GAP_SECONDS = 300
    analyst = client_for(Role.ANALYST)
    unit = UnitFactory()
    points = _track(8)
    inside = points[2:11]
    later = [
        {**p, "at": (dt.datetime.fromisoformat(p["at"]) + dt.timedelta(minutes=30)).isoformat()}
        for p in inside
    ]
    response = _post(analyst, unit, points + later)
    assert response.json()["created"] == 2
    assert Visit.objects.count() == 2


def test_another_units_supervisor_is_refused_and_bad_points_are_a_400(place, client_for):
    field = client_for(Role.FIELD_SUPERVISOR)
    viewer = client_for(Role.VIEWER)
    unit = UnitFactory()  # not field's team
    assert _post(field, unit, _track(10)).status_code in (403, 404)
    assert _post(viewer, unit, _track(10)).status_code == 403
    analyst = client_for(Role.ANALYST)
    assert _post(analyst, unit, []).status_code == 400
    bad = [{"at": "yesterday", "lon": 400, "lat": 29.3}]
    assert _post(analyst, unit, bad).status_code == 400
    assert _post(analyst, unit, "not a list").status_code == 400
    assert not Visit.objects.exists()
