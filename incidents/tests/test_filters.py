"""One test per IncidentFilterSet parameter, plus the wiring into the API."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from incidents.selectors import incident_list
from incidents.services import incident_search_refresh
from incidents.tests.factories_api import incident_at, kuwait_reference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


def ids(params: dict) -> set[int]:
    filterset = IncidentFilterSet(params, queryset=Incident.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_bbox_keeps_incidents_inside_the_box():
    hawalli = incident_at("KW-HA")
    incident_at("KW-JA")
    assert ids({"bbox": "47.9,29.2,48.2,29.4"}) == {hawalli.pk}


@pytest.mark.parametrize("bbox", ["47.9,29.2,48.2", "48.2,29.2,47.9,29.4", "a,b,c,d"])
def test_malformed_bbox_is_a_field_error(bbox):
    filterset = IncidentFilterSet({"bbox": bbox}, queryset=Incident.objects.all())
    assert not filterset.is_valid()
    assert "bbox" in filterset.errors


def test_occurred_after_is_inclusive():
    now = timezone.now().replace(microsecond=0)
    recent = incident_at("KW-HA", occurred_at=now - dt.timedelta(hours=1))
    incident_at("KW-HA", occurred_at=now - dt.timedelta(days=3))
    assert ids({"occurred_after": (now - dt.timedelta(hours=1)).isoformat()}) == {recent.pk}


def test_occurred_before_is_exclusive():
    now = timezone.now().replace(microsecond=0)
    old = incident_at("KW-HA", occurred_at=now - dt.timedelta(days=3))
    incident_at("KW-HA", occurred_at=now - dt.timedelta(hours=1))
    assert ids({"occurred_before": (now - dt.timedelta(hours=1)).isoformat()}) == {old.pk}


def test_category_takes_one_or_several_codes():
    theft = incident_at("KW-HA", category_code="theft")
    fraud = incident_at("KW-HA", category_code="fraud")
    incident_at("KW-HA", category_code="assault")
    assert ids({"category": "fraud"}) == {fraud.pk}
    assert ids({"category": "theft,fraud"}) == {theft.pk, fraud.pk}


def test_region_filters_by_region_code():
    ahmadi = incident_at("KW-AH")
    incident_at("KW-FA")
    assert ids({"region": "KW-AH"}) == {ahmadi.pk}


def test_severity_takes_a_list_of_levels():
    high = incident_at("KW-HA", severity=5)
    incident_at("KW-HA", severity=2)
    assert ids({"severity": "4,5"}) == {high.pk}


def test_severity_min_keeps_that_level_and_above():
    four = incident_at("KW-HA", severity=4)
    five = incident_at("KW-HA", severity=5)
    incident_at("KW-HA", severity=3)
    assert ids({"severity_min": "4"}) == {four.pk, five.pk}


def test_status_filters_by_workflow_state():
    closed = incident_at("KW-HA", status="closed")
    incident_at("KW-HA", status="reported")
    assert ids({"status": "closed"}) == {closed.pk}


def test_channel_tells_patrol_finds_from_public_reports():
    patrol = incident_at("KW-HA", channel="patrol")
    incident_at("KW-HA", channel="public_report")
    assert ids({"channel": "patrol"}) == {patrol.pk}


def test_source_filters_by_ingest_source():
    api = incident_at("KW-HA", source="api")
    incident_at("KW-HA", source="kuwait")
    assert ids({"source": "api"}) == {api.pk}


def test_q_searches_description_area_block_and_external_id():
    by_text = incident_at("KW-HA", description="Wallet snatched near the souq")
    by_area = incident_at("KW-HA", area="Salmiya")
    by_id = incident_at("KW-HA", external_id="MOI-77")
    incident_at("KW-HA", description="Car windows smashed", area="Jabriya")
    incident_search_refresh()
    assert ids({"q": "SOUQ"}) == {by_text.pk}
    assert ids({"q": "salmiya"}) == {by_area.pk}
    assert ids({"q": "moi-77"}) == {by_id.pk}


def test_selector_applies_the_same_filters():
    fraud = incident_at("KW-AH", category_code="fraud", severity=4)
    incident_at("KW-AH", category_code="fraud", severity=1)
    assert [i.pk for i in incident_list(filters={"category": "fraud", "severity_min": 3})] == [
        fraud.pk
    ]


def test_api_combines_filters_within_its_query_budget(client_for, django_assert_max_num_queries):
    now = timezone.now()
    wanted = [
        incident_at(
            "KW-HA",
            category_code="assault",
            channel="patrol",
            occurred_at=now - dt.timedelta(hours=h),
        )
        for h in range(1, 6)
    ]
    incident_at("KW-HA", category_code="assault", channel="public_report")
    incident_at("KW-JA", category_code="assault", channel="patrol")
    client = client_for("viewer")
    params = {
        "bbox": "47.9,29.2,48.2,29.4",
        "category": "assault",
        "channel": "patrol",
        "occurred_after": (now - dt.timedelta(days=1)).isoformat(),
        "q": "",
    }

    with django_assert_max_num_queries(2):
        body = client.get(reverse("incidents:incident-list"), params).json()

    assert [f["id"] for f in body["features"]] == [i.pk for i in wanted]


def test_api_reports_a_bad_filter_as_a_field_error(client_for):
    response = client_for("viewer").get(reverse("incidents:incident-list"), {"bbox": "1,2,3"})
    assert response.status_code == 400
    assert "bbox" in response.json()["errors"]
