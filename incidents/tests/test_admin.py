import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from incidents.models import Category, IngestBatch, Region
from incidents.services import incident_create
from incidents.tests.factories_api import canonical_record, kuwait_reference
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
