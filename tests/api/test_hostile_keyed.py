"""Hostile bodies to the key-authenticated doors (interop push, the agencies' event push, IoT
events): 4xx, never 500."""

import json

import pytest
from rest_framework.test import APIClient

from interop.tests.conftest import agency, key_client, make_account, regions  # noqa: F401
from iot.tests.conftest import device, reference  # noqa: F401

NESTED = "[" * 5000 + "]" * 5000
BODIES = [
    NESTED,
    '{"records": ' + NESTED + "}",
    '{"events": ' + NESTED + "}",
    "{not json",
    '{"records": "x", "events": "x"}',
    '{"records": [null, 1, "x", [], {"external_id": {"a": 1}}], "events": [null, 1, "x", []]}',
    json.dumps({"records": [{"occurred_at": "9" * 500, "lat": "nan", "lon": 1e308}]}),
    json.dumps({"events": [{"type": "x" * 10_000, "occurred_at": "-1", "confidence": "inf"}]}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", BODIES)
def test_hostile_bodies_to_the_keyed_doors_answer_4xx(
    make_account,  # noqa: F811
    device,  # noqa: F811
    body,
):
    _account, secret = make_account(scopes=["incidents:write", "events:write"])
    pushed = key_client(secret).post(
        "/api/interop/v1/incidents", body, content_type="application/json"
    )
    agency_events = key_client(secret).post(
        "/api/interop/v1/events", body, content_type="application/json"
    )
    _device, device_key = device
    events = APIClient().post(
        "/api/iot/v1/events",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {device_key}",
    )
    for answer in (pushed, agency_events, events):
        assert answer.status_code < 500, (answer.status_code, answer.content[:300])
