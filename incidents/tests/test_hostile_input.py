"""Hostile query input on the incidents API answers 400 (or 405), never 500: time-zone
offsets PostgreSQL cannot hold, in filters and in cursors; non-finite bounding boxes; an
HTTP TRACE on the ``trace`` action."""

import base64
import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.tests.factories_api import incident_at, kuwait_reference

pytestmark = pytest.mark.django_db
LIST = reverse("incidents:incident-list")


@pytest.fixture
def viewer(client_for):
    kuwait_reference()
    incident_at("KW-HA", occurred_at=timezone.now() - dt.timedelta(hours=1))
    return client_for("viewer")


def cursor(position: str) -> str:
    raw = urlencode({"p": position}).encode()
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00+16:00",
        "2024-01-01T00:00:00-23:59",
        "2024-01-01T00:00:00+99:00",
        "0001-01-01T00:00:00+15:00",
        "9999-12-31T23:59:59-15:00",
    ],
)
@pytest.mark.parametrize("name", ["occurred_after", "occurred_before"])
def test_time_filters_with_impossible_offsets_answer_400(viewer, name, value):
    response = viewer.get(LIST, {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()["errors"]


def test_a_time_filter_with_an_offset_within_range_still_works(viewer):
    response = viewer.get(LIST, {"occurred_after": "2000-01-01T00:00:00+15:59"})
    assert response.status_code == 200
    assert len(response.json()["features"]) == 1


@pytest.mark.parametrize(
    "position",
    [
        "2024-01-01T00:00:00+16:00",
        "2024-01-01 00:00:00-20:00",
        "not a time",
        "0001-01-01T00:00:00+15:00",
    ],
)
def test_a_cursor_with_an_impossible_position_answers_400(viewer, position):
    response = viewer.get(LIST, {"cursor": cursor(position)})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()["errors"]


def test_the_cursor_the_server_hands_out_still_works(viewer, client_for):
    incident_at("KW-HA", occurred_at=timezone.now() - dt.timedelta(hours=2))
    first = viewer.get(LIST, {"page_size": 1}).json()
    second = viewer.get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["features"]) == 1


@pytest.mark.parametrize(
    "bbox", ["nan,nan,nan,nan", "0,0,inf,inf", "-inf,-inf,0,0", "nan,29,48,30", "1e400,0,2e400,1"]
)
def test_a_bbox_that_is_not_finite_answers_400(viewer, bbox):
    response = viewer.get(LIST, {"bbox": bbox})
    assert response.status_code == 400, response.content
    assert "bbox" in response.json()["errors"]


def test_http_trace_on_the_trace_action_is_not_allowed(viewer):
    pk = viewer.get(LIST).json()["features"][0]["id"]
    for url in (reverse("incidents:incident-trace", args=[pk]), f"{LIST}{pk}/", LIST):
        response = viewer.generic("TRACE", url)
        assert response.status_code == 405, (url, response.status_code)
    assert viewer.get(reverse("incidents:incident-trace", args=[pk])).status_code == 200
