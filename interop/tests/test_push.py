"""Pushing incidents: the ETL's validation, per-record results, idempotency on the agency's
own external id, a batch tied to the agency (and its feed)."""

import datetime as dt

import pytest
from django.utils import timezone

from incidents.models import Incident, IngestBatch, RawIncident, RejectedRow
from interop.models import AgencyBatch
from interop.services import accounts
from interop.services import push as push_service
from interop.tests.conftest import key_client
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db
INCIDENTS = "/api/interop/v1/incidents"


def record(external_id: str, **extra) -> dict:
    when = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    values = {
        "incident_id": external_id,
        "occurred_at": when,
        "category": "theft",
        "latitude": 29.37,
        "longitude": 47.98,
        "severity": 2,
    }
    return values | extra


def push(secret: str, records: list, **extra):
    return key_client(secret).post(INCIDENTS, {"records": records, **extra}, format="json")


def test_a_push_gives_every_record_its_result(make_account, agency):
    account, secret = make_account()
    bad = record("MOH-2", occurred_at="not a time", category="no such thing", latitude=95)
    response = push(secret, [record("MOH-1"), bad])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (2, 1, 1)
    accepted, rejected = body["results"]
    incident = Incident.objects.get(pk=accepted["id"])
    assert (accepted["status"], incident.source, incident.external_id) == (
        "accepted", "agency:moh", "MOH-1",
    )  # fmt: skip
    assert incident.region.code == "capital"
    assert rejected["status"] == "rejected" and rejected["id"] is None
    codes = {(e["field"], e["code"]) for e in rejected["errors"]}
    assert {("occurred_at", "invalid_timestamp"), ("category", "unknown_category")} <= codes
    assert any(field == "latitude" for field, _code in codes)
    # The same rules as the ETL: the rejected row is kept with its errors, every record raw.
    batch = IngestBatch.objects.get(pk=body["batch"])
    assert RawIncident.objects.filter(batch=batch).count() == 2
    assert RejectedRow.objects.get(batch=batch).errors == rejected["errors"]
    link = AgencyBatch.objects.get(batch=batch)
    assert (link.agency, link.service_account) == (agency, account)
    assert ActionLog.objects.filter(action="interop_push", object_id=str(batch.pk)).exists()


def test_pushing_the_same_external_id_again_is_a_duplicate_with_the_stored_id(make_account):
    _account, secret = make_account()
    first = push(secret, [record("MOH-7")]).json()["results"][0]
    again = push(secret, [record("MOH-7", severity=5)]).json()
    assert again["results"][0] == {
        "index": 0, "external_id": "MOH-7", "status": "duplicate", "id": first["id"],
    }  # fmt: skip
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert Incident.objects.filter(external_id="MOH-7").count() == 1


def test_two_agencies_may_use_the_same_external_id(make_account, regions):
    _account, secret = make_account()
    other = accounts.agency_create(actor=None, code="fire", name_en="Fire Force")
    other_account = accounts.service_account_create(
        actor=None, agency=other, name="main", scopes=["incidents:write"]
    )
    _key, other_secret = accounts.key_create(actor=None, account=other_account, name="k")
    assert push(secret, [record("X-1")]).json()["accepted"] == 1
    assert push(other_secret, [record("X-1")]).json()["accepted"] == 1
    assert set(Incident.objects.filter(external_id="X-1").values_list("source", flat=True)) == {
        "agency:moh", "agency:fire",
    }  # fmt: skip


def test_a_push_over_the_limit_or_empty_is_refused_whole(make_account, settings):
    settings.INTEROP_PUSH_MAX_RECORDS = 2
    _account, secret = make_account()
    too_many = push(secret, [record(f"M-{i}") for i in range(3)])
    assert too_many.status_code == 400 and "records" in too_many.json()["errors"]
    assert push(secret, []).status_code == 400
    assert push(secret, "nope").status_code == 400
    assert not Incident.objects.exists()


def test_a_record_that_is_not_an_object_is_rejected_not_an_error(make_account):
    _account, secret = make_account()
    body = push(secret, [record("A-1"), "text", 5]).json()
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "rejected"]
    assert body["results"][1]["errors"][0]["code"] == "invalid_record"


def test_a_push_lands_in_the_agencys_feed(make_account, agency):
    feed = accounts.feed_create(actor=None, agency=agency, name="main", expected_cadence_minutes=30)
    _account, secret = make_account()
    body = push(secret, [record("F-1")]).json()
    assert AgencyBatch.objects.get(batch_id=body["batch"]).feed == feed
    assert push(secret, [record("F-2")], feed="unknown").status_code == 400


def test_pushes_past_the_concurrency_bound_wait_then_answer_503(make_account, settings):
    settings.INTEROP_PUSH_WAIT_SECONDS = 0
    _account, secret = make_account()
    slots = push_service._slots()
    held = [slots.acquire(timeout=0) for _ in range(settings.INTEROP_PUSH_CONCURRENCY)]
    try:
        busy = push(secret, [record("B-1")])
        assert busy.status_code == 503 and busy.json()["code"] == "busy"
    finally:
        for _ in held:
            slots.release()
    assert push(secret, [record("B-1")]).json()["accepted"] == 1
