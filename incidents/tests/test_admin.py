import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Category, IngestBatch, Place, Region
from incidents.services import incident_create
from incidents.tests.factories_api import PLACES, canonical_record, kuwait_reference
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_superadmin(make_user):
    kuwait_reference()
    user = make_user("superadmin")  # superadmins are staff with every permission
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_region_change_page_shows_the_boundary_on_a_map(admin_client_for_superadmin):
    region = Region.objects.get(code="KW-HA")
    page = admin_client_for_superadmin.get(
        reverse("admin:incidents_region_change", args=[region.pk])
    )
    assert page.status_code == 200
    assert b"leaflet" in page.content.lower()
    assert "حولي".encode() in page.content


def test_a_gazetteer_place_is_listed_searched_and_renamed_with_an_audit_entry(
    admin_client_for_superadmin,
):
    hawalli = Region.objects.get(code="KW-HA")
    place = Place.objects.create(
        kind="area", code="salmiya", name_en="Salmiya", region=hawalli, geom=hawalli.geom
    )
    listed = admin_client_for_superadmin.get(
        reverse("admin:incidents_place_changelist"), {"q": "salm"}
    )
    assert listed.status_code == 200 and b"Salmiya" in listed.content
    change = reverse("admin:incidents_place_change", args=[place.pk])
    assert b"leaflet" in admin_client_for_superadmin.get(change).content.lower()
    response = admin_client_for_superadmin.post(
        change,
        {
            "profile": "kuwait",
            "kind": "area",
            "code": "salmiya",
            "name_en": "Salmiya",
            "name_ar": "السالمية",
            "region": hawalli.pk,
            "geom": hawalli.geom.geojson,
            "source": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    place.refresh_from_db()
    assert place.name_ar == "السالمية"
    assert ActionLog.objects.filter(
        action="update", object_type="incidents.place", object_id=str(place.pk)
    ).exists()


def test_category_edit_in_the_admin_is_audited(admin_client_for_superadmin):
    fraud = Category.objects.get(code="fraud")
    response = admin_client_for_superadmin.post(
        reverse("admin:incidents_category_change", args=[fraud.pk]),
        {"code": "fraud", "name_en": "Fraud", "name_ar": "احتيال", "default_severity": 3},
    )
    assert response.status_code == 302
    assert ActionLog.objects.filter(
        action="update", object_type="incidents.category", object_id=str(fraud.pk)
    ).exists()


def test_incident_list_searches_and_filters(admin_client_for_superadmin):
    incident_create(
        record=canonical_record(description="Stolen bicycle"),
        actor=admin_client_for_superadmin.user,
    )
    url = reverse("admin:incidents_incident_changelist")
    found = admin_client_for_superadmin.get(
        url, {"q": "bicycle", "channel__exact": "public_report"}
    )
    assert found.status_code == 200 and b"API-0001" in found.content
    assert b"API-0001" not in admin_client_for_superadmin.get(url, {"q": "no such text"}).content


def test_batches_and_rejected_rows_are_read_only(admin_client_for_superadmin):
    with pytest.raises(ValidationError):
        incident_create(record=canonical_record(lat="x"), actor=admin_client_for_superadmin.user)
    batch = IngestBatch.objects.get()
    client = admin_client_for_superadmin
    assert client.get(reverse("admin:incidents_ingestbatch_changelist")).status_code == 200
    assert client.get(reverse("admin:incidents_ingestbatch_add")).status_code == 403
    rejected = client.get(reverse("admin:incidents_rejectedrow_changelist"))
    assert rejected.status_code == 200 and b"lat: invalid_coordinate" in rejected.content
    assert (
        client.post(
            reverse("admin:incidents_ingestbatch_delete", args=[batch.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def _change_form(incident, **changes) -> dict:
    point = incident.geom
    form = {
        "category": incident.category_id,
        "status": incident.status,
        "severity": incident.severity,
        "channel": incident.channel,
        "occurred_at_0": incident.occurred_at.astimezone().strftime("%Y-%m-%d"),
        "occurred_at_1": incident.occurred_at.astimezone().strftime("%H:%M:%S"),
        "reported_at_0": "",
        "reported_at_1": "",
        "geom": point.geojson,
        "area": incident.area,
        "block": incident.block,
        "description": incident.description,
    }
    form.update(changes)
    return form


def test_moving_an_incident_in_the_admin_updates_its_region_through_the_service(
    admin_client_for_superadmin,
):
    """The admin writes through ``incident_update``: a new place brings its region along, and
    the service's audit entry records the change."""
    incident = incident_create(record=canonical_record(), actor=admin_client_for_superadmin.user)
    assert incident.region.code == "KW-HA"
    lon, lat = PLACES["KW-JA"]
    response = admin_client_for_superadmin.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        _change_form(incident, geom=f'{{"type": "Point", "coordinates": [{lon}, {lat}]}}'),
    )
    assert response.status_code == 302, response.content[:2000]
    incident.refresh_from_db()
    assert incident.region.code == "KW-JA"
    entry = ActionLog.objects.filter(action="update", object_id=str(incident.pk)).get()
    assert "lon" in entry.summary["changes"]


def test_changing_the_time_in_the_admin_recomputes_the_time_features(
    admin_client_for_superadmin,
):
    incident = incident_create(record=canonical_record(), actor=admin_client_for_superadmin.user)
    when = timezone.now().astimezone(ZoneInfo("Asia/Kuwait")).replace(
        hour=23, minute=30, second=0, microsecond=0
    ) - dt.timedelta(days=2)
    response = admin_client_for_superadmin.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        _change_form(
            incident,
            occurred_at_0=when.strftime("%Y-%m-%d"),
            occurred_at_1=when.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.local_hour == 23 and incident.is_night


def test_an_admin_edit_outside_the_service_area_is_refused_on_the_map_field(
    admin_client_for_superadmin,
):
    incident = incident_create(record=canonical_record(), actor=admin_client_for_superadmin.user)
    response = admin_client_for_superadmin.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        _change_form(incident, geom='{"type": "Point", "coordinates": [2.35, 48.85]}'),
    )
    assert response.status_code == 200
    assert "geom" in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.region.code == "KW-HA"


def test_deleting_in_the_admin_goes_through_the_service(admin_client_for_superadmin):
    incident = incident_create(record=canonical_record(), actor=admin_client_for_superadmin.user)
    response = admin_client_for_superadmin.post(
        reverse("admin:incidents_incident_delete", args=[incident.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entry = ActionLog.objects.filter(action="delete", object_id=str(incident.pk)).get()
    assert entry.summary["raw"] == incident.raw_id  # the service's entry, naming the raw record
