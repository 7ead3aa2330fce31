"""Hostile input answers 4xx, never 500: deep JSON, non-ASCII digits, wrong geometry."""

import pytest
from rest_framework.test import APIClient

from khareetaty.accounts.choices import Role
from khareetaty.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000
JSON_ENDPOINTS = [
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/users",
    "/api/incidents/",
    "/api/incidents/batches/",
    "/api/analytics/runs/",
    "/api/commands/alerts/",
    "/api/commands/rules/",
    "/api/commands/tasks/",
    "/api/commands/escalation-policy/validate",
]


@pytest.fixture
def superadmin(client_for, settings):
    settings.API_RATE_LIMIT = "100000/min"
    return client_for(Role.SUPERADMIN)


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_nested_ten_thousand_levels_answers_400(superadmin, path):
    response = superadmin.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "JSON parse error" in response.json()["detail"]


def test_deep_json_answers_400_to_anonymous_sign_in(settings):
    settings.API_RATE_LIMIT = "100000/min"
    response = APIClient().post("/api/auth/login", DEEP, content_type="application/json")
    assert response.status_code == 400


def test_json_nested_past_the_limit_but_decodable_answers_400(superadmin):
    body = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)
    response = superadmin.post("/api/commands/tasks/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_ascii_digits_in_an_acknowledge_link_answer_4xx(method, settings):
    settings.API_RATE_LIMIT = "100000/min"
    response = getattr(APIClient(), method)("/api/commands/ack/%C2%B2-x")
    assert response.status_code in (400, 404)


def test_non_ascii_digits_in_a_run_filter_are_ignored(client_for):
    client = client_for(Role.ANALYST)
    assert client.get("/api/analytics/hotspots/", {"run": "²"}).status_code == 200
    assert client.get("/api/analytics/risk", {"run": "٣²"}).status_code == 200


POLYGON = {
    "type": "Polygon",
    "coordinates": [[[47.9, 29.3], [48.0, 29.3], [48.0, 29.4], [47.9, 29.3]]],
}


def test_a_task_location_that_is_not_a_point_answers_400(client_for):
    client = client_for(Role.ANALYST)
    response = client.post(
        "/api/commands/tasks/", {"title": "Patrol", "geom": POLYGON}, format="json"
    )
    assert response.status_code == 400
    assert "geom" in response.json()["errors"]


def test_a_task_update_location_that_is_not_a_point_answers_400(client_for):
    client = client_for(Role.ANALYST)
    created = client.post(
        "/api/commands/tasks/",
        {"title": "Patrol", "assignee_user": client.user.username},
        format="json",
    )
    assert created.status_code == 201
    path = f"/api/commands/tasks/{created.json()['id']}/"
    line = {"type": "LineString", "coordinates": [[47.9, 29.3], [48.0, 29.4]]}
    for action, body in [
        ("updates/", {"note": "here", "geom": line}),
        ("status", {"status": "accepted", "geom": line}),
    ]:
        response = client.post(path + action, body, format="json")
        assert response.status_code == 400, (action, response.content)
    assert client.patch(path, {"geom": POLYGON}, format="json").status_code == 400


def test_a_task_at_a_point_is_created(client_for):
    client = client_for(Role.ANALYST)
    point = {"type": "Point", "coordinates": [47.98, 29.37]}
    body = {"title": "Patrol", "geom": point, "assignee_user": client.user.username}
    response = client.post("/api/commands/tasks/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["geom"]["type"] == "Point"


def test_a_nul_character_in_a_form_field_answers_400(client_for):
    client = client_for(Role.ANALYST)
    response = client.post(
        "/api/commands/tasks/",
        {"title": "Patrol", "assignee_team": "a\x00b", "assignee_user": "x\x00"},
        format="json",
    )
    assert response.status_code == 400


def test_a_time_zone_offset_out_of_range_answers_400(client_for):
    client = client_for(Role.ANALYST)
    response = client.get("/api/incidents/", {"occurred_after": "0067-06-14T11:07:43-22:12"})
    assert response.status_code == 400
