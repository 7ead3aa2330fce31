"""The patrol API with the project's role policies, on real PostGIS."""

import datetime as dt

import pytest

from commands.tests.factories import TeamFactory
from khareetaty.accounts.choices import Role
from patrol.models import Visit
from patrol.tests.factories import ShiftFactory, UnitFactory, capital, risk_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client_for):
    region = capital()
    scores = {(c, r): 1.0 + c + r for c in range(6) for r in range(6)}
    risk_map(scores)
    field = client_for(Role.FIELD_SUPERVISOR)
    other = client_for(Role.FIELD_SUPERVISOR)
    mine = ShiftFactory(unit__team__members=[field.user], patrol_minutes=120)
    theirs = ShiftFactory(
        unit__team__members=[other.user], start=mine.start, end=mine.end, patrol_minutes=120
    )
    for shift in (mine, theirs):
        shift.regions.set([region])
    return {"field": field, "other": other, "mine": mine, "theirs": theirs}


def _generate(client, shift):
    return client.post(
        "/api/patrol/plans/generate",
        {
            "window_start": shift.start.isoformat(),
            "window_end": shift.end.isoformat(),
            "seed": 3,
            "time_limit_s": 2,
        },
        format="json",
    )


def test_analysts_generate_and_publish_viewers_only_read(setup, client_for):
    analyst, viewer = client_for(Role.ANALYST), client_for(Role.VIEWER)
    assert _generate(viewer, setup["mine"]).status_code == 403
    assert _generate(setup["field"], setup["mine"]).status_code == 403
    response = _generate(analyst, setup["mine"])
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert plan["status"] == "draft" and plan["objective"] >= plan["greedy_objective"]
    assert viewer.get(f"/api/patrol/plans/{plan['id']}").status_code == 200
    assert viewer.post(f"/api/patrol/plans/{plan['id']}/publish").status_code == 403
    assert analyst.post(f"/api/patrol/plans/{plan['id']}/publish").json()["status"] == "published"
    assert analyst.post(f"/api/patrol/plans/{plan['id']}/publish").status_code == 409
    assert setup["field"].get("/api/patrol/plans").status_code == 403


def test_field_supervisors_see_only_their_units_items_and_check_in_once(setup, client_for):
    analyst = client_for(Role.ANALYST)
    plan = _generate(analyst, setup["mine"]).json()
    analyst.post(f"/api/patrol/plans/{plan['id']}/publish")
    field, other = setup["field"], setup["other"]
    items = field.get(f"/api/patrol/plans/{plan['id']}/items").json()
    assert items and {i["unit"] for i in items} == {setup["mine"].unit_id}
    their_ids = {i["id"] for i in other.get("/api/patrol/items").json()["results"]}
    assert their_ids and not their_ids & {i["id"] for i in items}
    item = items[0]
    lon, lat = item["place_geom"]["coordinates"][0][0][0]
    body = {"lat": lat, "lon": lon, "idempotency_key": "phone-1-42"}
    assert (
        other.post(f"/api/patrol/items/{item['id']}/check-in", body, format="json").status_code
        == 404
    )
    first = field.post(f"/api/patrol/items/{item['id']}/check-in", body, format="json")
    again = field.post(f"/api/patrol/items/{item['id']}/check-in", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1
    out = field.post(
        f"/api/patrol/visits/{first.json()['id']}/check-out",
        {"idempotency_key": "o-1"},
        format="json",
    )
    assert out.status_code == 200 and out.json()["departure"]
    rows = analyst.get(f"/api/patrol/plans/{plan['id']}/adherence").json()
    assert {r["unit"] for r in rows} == {setup["mine"].unit_id, setup["theirs"].unit_id}
    assert field.get(f"/api/patrol/plans/{plan['id']}/adherence").status_code == 403


def test_bad_input_is_a_clear_400(setup, client_for):
    analyst = client_for(Role.ANALYST)
    shift = setup["mine"]
    bad = analyst.post(
        "/api/patrol/plans/generate",
        {"window_start": shift.end.isoformat(), "window_end": shift.start.isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "window" in bad.json()["detail"]
    far = analyst.post(
        "/api/patrol/plans/generate",
        {
            "window_start": shift.start.isoformat(),
            "window_end": (shift.start + dt.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert far.status_code == 400
    assert (
        analyst.post(
            "/api/patrol/units", {"call_sign": "X", "lat": 200, "lon": 0}, format="json"
        ).status_code
        == 400
    )
    created = analyst.post(
        "/api/patrol/units",
        {"call_sign": "X-1", "lat": 29.3, "lon": 47.9, "team": TeamFactory().pk},
        format="json",
    )
    assert created.status_code == 201
    too_long = analyst.post(
        "/api/patrol/shifts",
        {
            "unit": UnitFactory().pk,
            "start": shift.start.isoformat(),
            "end": shift.end.isoformat(),
            "patrol_minutes": 600,
        },
        format="json",
    )
    assert too_long.status_code == 400


def test_the_plan_layer_shows_the_published_plan_to_staff_only(setup, client_for):
    analyst, viewer = client_for(Role.ANALYST), client_for(Role.VIEWER)
    assert viewer.get("/api/patrol/layer").json()["features"] == []
    plan = _generate(analyst, setup["mine"]).json()
    analyst.post(f"/api/patrol/plans/{plan['id']}/publish")
    layer = viewer.get("/api/patrol/layer").json()
    assert layer["plan"] == plan["id"]
    assert len(layer["features"]) == len(
        analyst.get(f"/api/patrol/plans/{plan['id']}/items").json()
    )
    assert layer["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert setup["field"].get("/api/patrol/layer").status_code == 403
