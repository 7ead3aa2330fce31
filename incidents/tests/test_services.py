import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.dispatch import receiver

from incidents.models import Incident, IngestBatch, RawIncident, RejectedRow
from incidents.services import incident_create, incident_delete, incident_update
from incidents.signals import incident_created
from incidents.tests.factories_api import (
    PLACES,
    SEA_NEAR_SALMIYA,
    canonical_record,
    kuwait_reference,
)
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db
KUWAIT = ZoneInfo("Asia/Kuwait")


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


@pytest.fixture
def analyst(make_user):
    return make_user("analyst")


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_create_stores_the_incident_with_region_features_and_its_raw_record(analyst):
    record = canonical_record(occurred_at="2025-02-28T23:30:00")  # a Friday night, local time

    incident = incident_create(record=record, actor=analyst)

    assert incident.source == "api"
    assert incident.region.code == "KW-HA"
    assert incident.occurred_at == dt.datetime(2025, 2, 28, 23, 30, tzinfo=KUWAIT)
    assert (incident.local_hour, incident.weekday) == (23, 4)
    assert incident.is_weekend and incident.is_night and not incident.is_holiday
    assert incident.raw.record["external_id"] == "API-0001"
    assert incident.raw.record["lon"] == PLACES["KW-HA"][0]  # kept as received (a number)
    batch = incident.raw.batch
    assert (batch.received, batch.accepted, batch.duplicates, batch.rejected) == (1, 1, 0, 0)
    assert batch.created_by == analyst and batch.status == "done"


def test_create_marks_public_holidays_and_labels_map_like_the_pipeline(analyst):
    incident = incident_create(
        record=canonical_record(
            occurred_at="2025-02-25T10:00:00+03:00", category="حادث مروري", channel="دورية"
        ),
        actor=analyst,
    )
    assert incident.is_holiday  # National Day
    assert incident.category.code == "traffic_accident"
    assert incident.channel == "patrol"


def test_invalid_record_reports_every_field_and_is_kept_as_a_rejected_row(analyst):
    record = canonical_record(
        lat="north", category="jaywalking", occurred_at="2099-01-01T00:00:00", severity=9
    )

    with pytest.raises(ValidationError) as caught:
        incident_create(record=record, actor=analyst)

    assert codes(caught.value) == {
        "lat": ["invalid_coordinate"],
        "category": ["unknown_category"],
        "occurred_at": ["future_timestamp"],
        "severity": ["invalid_severity"],
    }
    assert not Incident.objects.exists()
    rejected = RejectedRow.objects.get()
    assert rejected.record["lat"] == "north"
    assert {e["field"] for e in rejected.errors} == {"lat", "category", "occurred_at", "severity"}
    batch = rejected.batch
    assert (batch.received, batch.accepted, batch.rejected) == (1, 0, 1)
    assert RawIncident.objects.filter(batch=batch).count() == 1


def test_missing_required_fields_are_named(analyst):
    with pytest.raises(ValidationError) as caught:
        incident_create(record={"description": "no facts"}, actor=analyst)
    assert codes(caught.value) == {
        "category": ["required"],
        "occurred_at": ["required"],
        "lon": ["required"],
        "lat": ["required"],
    }


def test_outside_the_service_area_is_refused(analyst):
    with pytest.raises(ValidationError) as caught:
        incident_create(record=canonical_record(lon=46.675, lat=24.713), actor=analyst)  # Riyadh
    assert "outside_service_area" in codes(caught.value)["lat"]


def test_a_point_at_sea_inside_the_service_area_gets_the_nearest_region(analyst):
    lon, lat = SEA_NEAR_SALMIYA
    incident = incident_create(record=canonical_record(lon=lon, lat=lat), actor=analyst)
    assert incident.region.code == "KW-HA"


def test_missing_severity_takes_the_category_default(analyst):
    incident = incident_create(
        record=canonical_record(severity="", category="robbery"), actor=analyst
    )
    assert incident.severity == 4


def test_the_same_source_and_id_is_a_counted_duplicate(analyst):
    incident_create(record=canonical_record(), actor=analyst)

    with pytest.raises(ValidationError) as caught:
        incident_create(record=canonical_record(description="sent twice"), actor=analyst)

    assert codes(caught.value) == {"external_id": ["duplicate"]}
    assert Incident.objects.count() == 1
    assert IngestBatch.objects.filter(duplicates=1).count() == 1


def test_records_without_ids_deduplicate_within_a_minute_and_25_metres(analyst):
    first = canonical_record(external_id=None, occurred_at="2025-03-01T10:00:00")
    incident_create(record=first, actor=analyst)
    lon, lat = PLACES["KW-HA"]
    near = canonical_record(
        external_id=None, occurred_at="2025-03-01T10:00:40", lon=lon + 0.0001, lat=lat
    )
    far = canonical_record(
        external_id=None, occurred_at="2025-03-01T10:00:40", lon=lon + 0.001, lat=lat
    )

    with pytest.raises(ValidationError):
        incident_create(record=near, actor=analyst)  # ~10 m, 40 s later
    incident_create(record=far, actor=analyst)  # ~100 m away: another incident

    assert Incident.objects.count() == 2
    assert Incident.objects.filter(external_id__startswith="auto-").count() == 2


def test_create_is_audited_and_announced_after_commit(analyst, django_capture_on_commit_callbacks):
    announced = []

    @receiver(incident_created, weak=False)
    def collect(sender, incident_id, **kwargs):
        announced.append(incident_id)

    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            incident = incident_create(record=canonical_record(), actor=analyst)
        assert announced == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        incident_created.disconnect(collect)

    assert announced == [incident.pk]
    entry = ActionLog.objects.get(action="create", object_type="incidents.incident")
    assert entry.object_id == str(incident.pk) and entry.actor_id == analyst.pk
    assert ActionLog.objects.filter(action="ingest", summary__outcome="accepted").exists()


def test_update_moves_the_incident_and_recomputes_region_and_features(analyst):
    incident = incident_create(record=canonical_record(), actor=analyst)
    lon, lat = PLACES["KW-JA"]

    incident_update(
        incident=incident,
        data={"lon": lon, "lat": lat, "occurred_at": "2025-03-06T14:00:00", "status": "verified"},
        actor=analyst,
    )

    incident.refresh_from_db()
    assert incident.region.code == "KW-JA"
    assert (incident.local_hour, incident.weekday, incident.is_weekend, incident.is_night) == (
        14,
        3,
        False,
        False,
    )
    assert incident.status == "verified"
    changes = ActionLog.objects.get(action="update").summary["changes"]
    assert set(changes) == {"lon", "lat", "occurred_at", "status"}
    assert changes["status"] == ["reported", "verified"]


def test_update_with_invalid_values_changes_nothing(analyst):
    incident = incident_create(record=canonical_record(), actor=analyst)

    with pytest.raises(ValidationError) as caught:
        incident_update(
            incident=incident, data={"category": "unicorns", "severity": 0}, actor=analyst
        )

    assert codes(caught.value) == {
        "category": ["unknown_category"],
        "severity": ["invalid_severity"],
    }
    incident.refresh_from_db()
    assert (incident.category.code, incident.severity) == ("theft", 2)
    assert not ActionLog.objects.filter(action="update").exists()


def test_update_refuses_identity_fields_and_unknown_status(analyst):
    incident = incident_create(record=canonical_record(), actor=analyst)
    with pytest.raises(ValidationError) as caught:
        incident_update(
            incident=incident, data={"external_id": "other", "source": "x"}, actor=analyst
        )
    assert codes(caught.value) == {"external_id": ["read_only"], "source": ["read_only"]}
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=incident, data={"status": "solved"}, actor=analyst)
    assert codes(caught.value) == {"status": ["invalid_choice"]}


def test_delete_is_audited_and_the_received_record_stays(analyst):
    incident = incident_create(record=canonical_record(), actor=analyst)
    raw_id = incident.raw_id

    incident_delete(incident=incident, actor=analyst)

    assert not Incident.objects.exists()
    assert RawIncident.objects.filter(pk=raw_id).exists()
    entry = ActionLog.objects.get(action="delete")
    assert entry.summary["external_id"] == "API-0001" and entry.actor_id == analyst.pk
