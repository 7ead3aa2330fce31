"""Agencies push their devices' events through the partner API (``POST
/api/interop/v1/events``, an interop key with ``events:write``): the one ingest service's
validation, duplicate rule and kept rejections, per-event results, the request log."""

from datetime import UTC, datetime, timedelta

import pytest

from interop.models import RequestLog
from interop.services import accounts
from interop.tests.conftest import key_client
from iot.choices import Door
from iot.models import Event, RejectedEvent
from iot.tests.conftest import make_device
from iot.tests.helpers import event

pytestmark = pytest.mark.django_db
EVENTS = "/api/interop/v1/events"


@pytest.fixture
def agency_key(db):
    """A key of agency ``moi`` (the devices' owner) with ``events:write``, and one without."""
    agency = accounts.agency_create(actor=None, code="moi", name_en="Interior", name_ar="الداخلية")

    def key(scopes):
        account = accounts.service_account_create(
            actor=None,
            agency=agency,
            name="-".join(scopes) or "none",
            scopes=scopes,
            region_ids=[],
            category_ids=[],
        )
        return account, accounts.key_create(actor=None, account=account, name="k")[1]

    return key


def test_an_agency_pushes_its_devices_events_with_per_event_results(agency_key):
    camera, _device_key = make_device("cam-7", kind="cctv")
    foreign = make_device("cam-9", kind="cctv")[0]
    foreign.agency = "moh"  # another agency's camera
    foreign.save(update_fields=["agency"])
    account, secret = agency_key(["events:write"])
    at = datetime.now(UTC) - timedelta(minutes=1)
    good = {"device": "cam-7", **event("evt-1", type="crowd", at=at, payload={"people": 40})}
    body = {
        "events": [
            good,
            dict(good),  # the same device, id and time: a duplicate
            {"device": "cam-7", **event("evt-2", at="yesterday")},
            {"device": "cam-9", **event("evt-3")},
            event("evt-4"),  # names no device
        ]
    }

    response = key_client(secret).post(EVENTS, body, format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["stored"], answer["duplicates"], answer["rejected"]) == (1, 1, 3)
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["stored", "duplicate", "rejected", "rejected", "rejected"]
    assert {r["field"] for r in answer["results"][2]["reasons"]} == {"at"}
    assert answer["results"][3]["reasons"][0]["code"] == "unknown_device"
    assert answer["results"][4]["reasons"][0]["code"] == "unknown_device"
    stored = Event.objects.get()
    assert (stored.device_id, stored.uid, stored.type) == (camera.pk, "evt-1", "crowd")
    assert stored.door == Door.HTTPS and stored.payload == {"people": 40}
    assert RejectedEvent.objects.count() == 3  # every rejection kept with its reasons
    row = RequestLog.objects.get(path=EVENTS)
    assert (row.service_account_id, row.status, row.method) == (account.pk, 200, "POST")


def test_the_event_push_needs_events_write_and_a_key(agency_key, client_for):
    make_device("cam-7", kind="cctv")
    _account, secret = agency_key(["incidents:write"])
    body = {"events": [{"device": "cam-7", **event("evt-1")}]}
    assert key_client(secret).post(EVENTS, body, format="json").status_code == 403
    staff = client_for("superadmin").post(EVENTS, body, format="json")
    assert staff.status_code == 403  # a staff user is no key: the scope check refuses it
    assert Event.objects.count() == 0
    assert RequestLog.objects.filter(path=EVENTS).count() == 2


def test_a_batch_over_the_limit_is_refused_whole(agency_key, settings):
    settings.IOT_HTTP_BATCH_MAX = 2
    _account, secret = agency_key(["events:write"])
    body = {"events": [{"device": "cam-7", **event(f"evt-{i}")} for i in range(3)]}
    response = key_client(secret).post(EVENTS, body, format="json")
    assert response.status_code == 400 and "At most 2" in response.json()["detail"]
