"""The read API: devices (filters, health, stats, map layer), events (device, type, time
window, bbox), candidates; bad filters answer 400."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from iot.models import Device
from iot.tests.conftest import make_device
from iot.tests.helpers import event, ingest_and_promote, mqtt_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_devices(reference):
    a, ka = make_device("api-a", kind="cctv", lon=47.98, lat=29.37)
    b, kb = make_device("api-b", kind="acoustic", lon=47.55, lat=29.45)
    ingest_and_promote(
        [
            mqtt_message(a, ka, event("a1", type="crowd")),
            mqtt_message(a, ka, event("a2", type="tamper")),
            mqtt_message(b, kb, event("b1", type="gunshot", confidence=0.2)),
            mqtt_message(b, kb, b"junk"),
        ]
    )
    Device.objects.filter(pk=b.pk).update(silent_since=timezone.now())
    return a, b


def test_devices_list_filters_and_health(two_devices, client_for):
    a, b = two_devices
    client = client_for("viewer")
    rows = client.get("/api/iot/v1/devices").json()["results"]
    assert {r["external_id"]: r["health"] for r in rows} == {"api-a": "ok", "api-b": "silent"}
    assert [r["id"] for r in client.get("/api/iot/v1/devices?kind=cctv").json()["results"]] == [
        a.pk
    ]
    assert [r["id"] for r in client.get("/api/iot/v1/devices?silent=true").json()["results"]] == [
        b.pk
    ]
    bbox = client.get("/api/iot/v1/devices?bbox=47.9,29.3,48.1,29.4").json()["results"]
    assert [r["id"] for r in bbox] == [a.pk]


def test_device_stats_count_types_and_rejections(two_devices, client_for):
    _a, b = two_devices
    stats = client_for("analyst").get(f"/api/iot/v1/devices/{b.pk}/stats").json()
    assert stats["accepted"] == 1 and stats["rejected"] == 1
    assert stats["last_24h"] == {"gunshot": 1}
    assert stats["recent_rejections"][0]["reasons"][0]["code"] == "not_json"


def test_device_map_layer_is_a_feature_collection(two_devices, client_for):
    body = client_for("viewer").get("/api/iot/v1/devices/geojson").json()
    assert body["type"] == "FeatureCollection"
    health = {f["properties"]["name"]: f["properties"]["health"] for f in body["features"]}
    assert health == {"moi/api-a": "ok", "moi/api-b": "silent"}


def test_events_query_by_device_type_time_and_bbox(two_devices, client_for):
    a, _b = two_devices
    client = client_for("viewer")
    assert client.get("/api/iot/v1/events").json()["count"] == 3
    assert client.get(f"/api/iot/v1/events?device={a.pk}").json()["count"] == 2
    assert [e["uid"] for e in client.get("/api/iot/v1/events?type=gunshot").json()["results"]] == [
        "b1"
    ]
    assert client.get("/api/iot/v1/events?bbox=47.5,29.4,47.6,29.5").json()["count"] == 1
    past = (datetime.now(UTC) - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    assert client.get("/api/iot/v1/events", {"until": past}).json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    ["bbox=1,2,3", "bbox=10,10,0,0", "bbox=0,0,90,80", "since=2020-01-01T00:00:00Z", "type=meteor"],
)
def test_bad_event_filters_answer_400(two_devices, client_for, query):
    assert client_for("viewer").get(f"/api/iot/v1/events?{query}").status_code == 400


def test_candidates_list_their_incident(reference, client_for):
    d1, k1 = make_device("c-1")
    d2, k2 = make_device("c-2", lon=47.981)
    ingest_and_promote(
        [
            mqtt_message(d1, k1, event("g1", type="gunshot", confidence=0.8)),
            mqtt_message(d2, k2, event("g2", type="gunshot", confidence=0.8)),
        ]
    )
    rows = client_for("viewer").get("/api/iot/v1/candidates").json()["results"]
    assert len(rows) == 1 and rows[0]["status"] == "promoted" and rows[0]["incident"]


def test_field_supervisors_do_not_read_devices(two_devices, client_for):
    assert client_for("field_supervisor").get("/api/iot/v1/devices").status_code == 403


def _promoted_pair_and_noise():
    d1, k1 = make_device("n-1")
    d2, k2 = make_device("n-2", lon=47.981)
    noisy, kn = make_device("n-3", kind="cctv", lon=47.70)
    ingest_and_promote(
        [
            mqtt_message(d1, k1, event("g1", type="gunshot", confidence=0.8)),
            mqtt_message(d2, k2, event("g2", type="gunshot", confidence=0.8)),
            mqtt_message(d2, k2, event("g3", type="gunshot", confidence=0.8)),
            mqtt_message(noisy, kn, event("t1", type="tamper")),
            mqtt_message(noisy, kn, event("t2", type="tamper", confidence=9)),
            mqtt_message(noisy, kn, b"junk"),
        ]
    )
    Device.objects.filter(pk=noisy.pk).update(rate_flagged_at=timezone.now())
    return d1, d2, noisy


def test_sensor_analytics_give_noise_reduction_per_type_and_problem_devices(reference, client_for):
    _d1, _d2, noisy = _promoted_pair_and_noise()
    body = client_for("viewer").get("/api/iot/v1/analytics?days=1").json()
    types = {r["type"]: r for r in body["types"]}
    assert (types["gunshot"]["events"], types["gunshot"]["incidents"]) == (3, 1)
    assert types["gunshot"]["ratio"] == 3.0
    assert (types["tamper"]["events"], types["tamper"]["ratio"]) == (1, None)
    assert [(g["group"], g["incidents"]) for g in body["groups"]] == [("gunshot", 1)]
    assert body["devices"][0]["device"] == noisy.pk
    assert body["devices"][0]["rejected"] == 2 and body["devices"][0]["rate_flagged_at"]


@pytest.mark.parametrize("query", ["days=0", "days=91", "days=many"])
def test_sensor_analytics_refuse_a_bad_period_with_400(reference, client_for, query):
    response = client_for("viewer").get(f"/api/iot/v1/analytics?{query}")
    assert response.status_code == 400 and "days" in response.json()["errors"]


def test_candidate_evidence_lists_its_events_devices_and_incident(reference, client_for):
    d1, d2, _noisy = _promoted_pair_and_noise()
    candidate = client_for("viewer").get("/api/iot/v1/candidates").json()["results"][0]
    body = client_for("viewer").get(f"/api/iot/v1/candidates/{candidate['id']}/evidence").json()
    assert body["candidate"]["incident"] == candidate["incident"] is not None
    assert [e["uid"] for e in body["events"]] == ["g1", "g2", "g3"]
    assert {e["device_name"] for e in body["events"]} == {str(d1), str(d2)}
    assert body["truncated"] is False
