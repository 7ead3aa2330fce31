import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.api.serializers import IncidentSerializer
from incidents.models import Incident, Region
from incidents.pipeline.services import batch_ingest_file
from incidents.selectors import incident_list
from incidents.tests.factories_api import PLACES, canonical_record, incident_at, kuwait_reference
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:incident-list")


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


def detail(pk: int) -> str:
    return reverse("incidents:incident-detail", args=[pk])


def test_list_is_a_geojson_feature_collection_newest_first(client_for):
    older = incident_at("KW-FA", occurred_at=timezone.now() - dt.timedelta(days=2))
    newer = incident_at("KW-HA", occurred_at=timezone.now() - dt.timedelta(hours=1))

    body = client_for("viewer").get(LIST).json()

    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [newer.pk, older.pk]
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": list(PLACES["KW-HA"])}
    props = feature["properties"]
    assert props["category"] == "theft" and props["category_name_ar"] == "سرقة"
    assert props["region"] == "KW-HA" and props["region_name_ar"] == "حولي"
    assert props["occurred_at"].endswith("+03:00")  # shown in Kuwait time


def test_cursor_pages_walk_every_incident_once(client_for):
    now = timezone.now()
    created = {
        incident_at("KW-HA", occurred_at=now - dt.timedelta(minutes=i % 3)).pk for i in range(7)
    }
    client = client_for("viewer")

    seen, url = [], f"{LIST}?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        url = body["next"]

    assert sorted(seen) == sorted(created)
    assert "cursor=" in client.get(f"{LIST}?page_size=3").json()["next"]


def test_list_query_count_does_not_grow_with_the_page(client_for, django_assert_max_num_queries):
    for _ in range(40):
        incident_at("KW-KU")
    client = client_for("viewer")
    with django_assert_max_num_queries(2):
        response = client.get(f"{LIST}?page_size=40&severity_min=1&bbox=47,29,49,30")
    assert len(response.json()["features"]) == 40


def test_list_features_are_exactly_what_the_incident_serializer_gives(client_for):
    """The list renders ``values()`` rows (``incident_features``) for speed: every Feature must
    equal ``IncidentSerializer``'s, with and without a region and a report time."""
    incident_at("KW-HA", occurred_at=timezone.now() - dt.timedelta(hours=1))
    incident_at("KW-FA", category_code="fraud", occurred_at=timezone.now() - dt.timedelta(days=3))
    no_region = incident_at("KW-KU")
    Incident.objects.filter(pk=no_region.pk).update(
        region=None, reported_at=None, area="Salmiya", description="قصة"
    )
    expected = IncidentSerializer(incident_list(), many=True).data["features"]

    body = client_for("viewer").get(LIST).json()

    assert len(expected) == 3 and body["features"] == json.loads(json.dumps(expected))
    assert {f["properties"]["region"] for f in body["features"]} == {"KW-HA", "KW-FA", None}


def test_retrieve_returns_one_feature(client_for):
    incident = incident_at("KW-AH", category_code="fraud")
    body = client_for("viewer").get(detail(incident.pk)).json()
    assert body["id"] == incident.pk and body["properties"]["category"] == "fraud"
    assert client_for("viewer").get(detail(999999)).status_code == 404


def test_analyst_creates_an_incident_through_the_ingest_rules(client_for):
    client = client_for("analyst")

    response = client.post(LIST, canonical_record(category="سرقة"), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["properties"]["category"] == "theft"
    assert body["properties"]["region"] == "KW-HA"
    incident = Incident.objects.get(pk=body["id"])
    assert ActionLog.objects.filter(
        action="create", object_id=str(incident.pk), actor_id=client.user.pk
    ).exists()


def test_invalid_create_gives_field_level_400s_with_codes(client_for):
    record = canonical_record(lon="", category="unknown thing", occurred_at="yesterday-ish")

    response = client_for("analyst").post(LIST, record, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"lon", "category", "occurred_at"}
    assert not Incident.objects.exists()


def test_duplicate_create_is_a_field_error_on_external_id(client_for):
    client = client_for("analyst")
    assert client.post(LIST, canonical_record(), format="json").status_code == 201
    again = client.post(LIST, canonical_record(), format="json")
    assert again.status_code == 400
    assert "external_id" in again.json()["errors"]


def test_non_object_body_is_refused(client_for):
    response = client_for("analyst").post(LIST, [canonical_record()], format="json")
    assert response.status_code == 400


def test_patch_and_put_change_only_what_is_sent(client_for):
    client = client_for("analyst")
    incident_id = client.post(LIST, canonical_record(), format="json").json()["id"]

    patched = client.patch(
        detail(incident_id), {"status": "verified", "severity": 4}, format="json"
    )
    put = client.put(detail(incident_id), {"description": "Confirmed by patrol"}, format="json")

    assert patched.status_code == 200, patched.content
    assert put.status_code == 200, put.content
    props = put.json()["properties"]
    assert (props["status"], props["severity"], props["description"]) == (
        "verified",
        4,
        "Confirmed by patrol",
    )
    bad = client.patch(detail(incident_id), {"lat": "99"}, format="json")
    assert bad.status_code == 400 and "lat" in bad.json()["errors"]


def test_delete_removes_the_incident_and_audits(client_for):
    client = client_for("superadmin")
    incident = incident_at("KW-JA")
    assert client.delete(detail(incident.pk)).status_code == 204
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert ActionLog.objects.filter(action="delete", object_id=str(incident.pk)).exists()


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_read_but_cannot_write(client_for, role):
    client = client_for(role)
    incident = incident_at("KW-HA")
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, canonical_record(), format="json").status_code == 403
    assert client.patch(detail(incident.pk), {"status": "closed"}, format="json").status_code == 403
    assert client.delete(detail(incident.pk)).status_code == 403


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(LIST).status_code == 401


def test_trace_returns_the_raw_row_batch_and_file_in_one_call(
    client_for, tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "moi-export.csv"
    path.write_text(
        "incident_id,occurred_at,category,latitude,longitude,severity\n"
        "T-1,2025-01-05T10:00:00,Theft,29.338,48.025,2\n"
        "T-2,2025-01-05T11:00:00,حادث مروري,29.277,47.958,3\n",
        encoding="utf-8",
    )
    analyst = client_for("analyst")
    batch = batch_ingest_file(path=path, profile_name="kuwait", created_by=analyst.user)
    incident = Incident.objects.get(external_id="T-2")

    with django_assert_max_num_queries(2):
        body = analyst.get(reverse("incidents:incident-trace", args=[incident.pk])).json()

    assert body["incident"] == {"id": incident.pk, "source": "kuwait", "external_id": "T-2"}
    assert body["raw"]["row_number"] == 2
    assert body["raw"]["record"]["category"] == "حادث مروري"
    assert body["batch"]["id"] == batch.pk
    assert body["batch"]["file_name"] == "moi-export.csv"
    assert body["batch"]["file_sha256"] == batch.file_sha256 and len(batch.file_sha256) == 64
    assert body["batch"]["created_by"] == analyst.user.username


def test_trace_of_an_api_created_incident_shows_its_one_record_batch(client_for):
    client = client_for("analyst")
    incident_id = client.post(LIST, canonical_record(), format="json").json()["id"]
    body = client.get(reverse("incidents:incident-trace", args=[incident_id])).json()
    assert body["raw"]["record"]["external_id"] == "API-0001"
    assert body["batch"]["file_name"] == "api" and body["batch"]["accepted"] == 1


def test_the_batch_api_is_not_shadowed_by_incident_ids(client_for):
    assert client_for("viewer").get("/api/incidents/batches").status_code == 200


def test_regions_are_a_cached_simplified_geojson_layer(client_for, django_assert_max_num_queries):
    client = client_for("viewer")
    url = reverse("incidents:region-list")

    with django_assert_max_num_queries(2):
        body = client.get(url, {"profile": "kuwait"}).json()
    with django_assert_max_num_queries(1):  # only the version check: the layer comes from cache
        assert client.get(url, {"profile": "kuwait"}).json() == body

    assert body["type"] == "FeatureCollection"
    feature = body["features"][0]
    assert isinstance(feature["id"], int)
    assert {"code", "name_en", "name_ar"} <= set(feature["properties"])
    assert feature["geometry"]["type"] == "MultiPolygon" and feature["geometry"]["coordinates"]
    names = {f["properties"]["code"]: f["properties"]["name_ar"] for f in body["features"]}
    assert names["KW-JA"] == "الجهراء" and len(names) == 6
    full = client.get(url, {"profile": "kuwait", "simplify": "0"}).json()

    def vertices(collection: dict) -> int:
        return sum(
            len(ring)
            for f in collection["features"]
            for poly in f["geometry"]["coordinates"]
            for ring in poly
        )

    assert vertices(body) < vertices(full)


def test_regions_layer_follows_a_changed_boundary(client_for):
    client = client_for("viewer")
    url = reverse("incidents:region-list")
    client.get(url)
    Region.objects.filter(code="KW-HA").update(name_en="Hawally", updated_at=timezone.now())
    names = {f["properties"]["name_en"] for f in client.get(url).json()["features"]}
    assert "Hawally" in names


def test_bad_simplify_tolerance_is_a_field_error(client_for):
    response = client_for("viewer").get(reverse("incidents:region-list"), {"simplify": "lots"})
    assert response.status_code == 400 and "simplify" in response.json()["errors"]


def test_categories_list_and_retrieve_by_code(client_for, django_assert_max_num_queries):
    client = client_for("viewer")
    with django_assert_max_num_queries(1):
        body = client.get(reverse("incidents:category-list")).json()
    assert len(body) == 9
    assert {"code": "fraud", "name_en": "Fraud", "name_ar": "احتيال", "default_severity": 2} in body
    one = client.get(reverse("incidents:category-detail", args=["robbery"])).json()
    assert one["default_severity"] == 4
