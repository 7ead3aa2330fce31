"""Units and shifts in the admin (map widget), written through the services, audited."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from khareetaty.audit.models import ActionLog
from patrol.models import Shift, Unit
from patrol.tests.factories import ShiftFactory, capital

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user("superadmin"))
    return client


def test_patrol_admin_pages_render_with_a_map_widget(admin_client):
    shift = ShiftFactory()
    for path in (
        "/admin/patrol/unit/",
        "/admin/patrol/shift/",
        "/admin/patrol/plan/",
        "/admin/patrol/patrolplace/",
    ):
        assert admin_client.get(path).status_code == 200, path
    page = admin_client.get(f"/admin/patrol/unit/{shift.unit.pk}/change/").content.decode()
    assert "leaflet" in page.lower()


def test_units_and_shifts_added_in_the_admin_are_audited(admin_client):
    response = admin_client.post(
        "/admin/patrol/unit/add/",
        {
            "call_sign": "KU-9",
            "kind": "car",
            "status": "available",
            "capabilities": "[]",
            "profile": "kuwait",
            "geom": '{"type": "Point", "coordinates": [47.98, 29.37]}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(call_sign="KU-9")
    assert ActionLog.objects.filter(action="patrol_unit_create", object_id=str(unit.pk)).exists()
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    region = capital()
    fields = {
        "unit": unit.pk,
        "start_0": start.date().isoformat(),
        "start_1": start.time().isoformat(),
        "end_0": start.date().isoformat(),
        "end_1": (start + dt.timedelta(hours=1)).time().isoformat(),
        "regions": [region.pk],
    }
    too_many = admin_client.post("/admin/patrol/shift/add/", {**fields, "patrol_minutes": 90})
    assert too_many.status_code == 200 and not Shift.objects.exists()
    ok = admin_client.post("/admin/patrol/shift/add/", {**fields, "patrol_minutes": 45})
    assert ok.status_code == 302
    shift = Shift.objects.get()
    assert list(shift.regions.all()) == [region]
    assert ActionLog.objects.filter(action="patrol_shift_create", object_id=str(shift.pk)).exists()
