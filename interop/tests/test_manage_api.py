"""Superadmins manage agencies, service accounts and sharing rules through the API; every
change is audited; bad input answers 400."""

import pytest

from interop.models import Agency, ServiceAccount, SharingRule
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def test_a_superadmin_sets_up_an_agency_account_and_key(client_for, regions):
    admin = client_for(Role.SUPERADMIN)
    created = admin.post(
        "/api/interop/agencies/",
        {"code": "kfd", "name_en": "Fire Force", "name_ar": "قوة الإطفاء", "profile": "kuwait"},
        format="json",
    )
    assert created.status_code == 201, created.content
    agency = Agency.objects.get(code="kfd")
    assert SharingRule.objects.get(agency=agency).fields  # the default rule
    account = admin.post(
        "/api/interop/accounts/",
        {
            "agency": agency.pk,
            "name": "dispatch",
            "scopes": ["incidents:read", "alerts:read"],
            "region_ids": [regions["capital"].pk],
            "ip_allowlist": ["10.0.0.0/8"],
        },
        format="json",
    )
    assert account.status_code == 201, account.content
    assert account.json()["region_ids"] == [regions["capital"].pk]
    assert account.json()["rate_limit"] == 100
    row = ServiceAccount.objects.get(name="dispatch")
    changed = admin.patch(
        f"/api/interop/accounts/{row.pk}/", {"scopes": ["alerts:read"]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["scopes"] == ["alerts:read"]
    rule = SharingRule.objects.get(agency=agency)
    patched = admin.patch(
        f"/api/interop/sharing-rules/{rule.pk}/", {"location_rounding_m": 2000}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["location_rounding_m"] == 2000
    actions = set(ActionLog.objects.values_list("action", "object_type"))
    assert {
        ("create", "interop.agency"),
        ("create", "interop.serviceaccount"),
        ("update", "interop.serviceaccount"),
        ("update", "interop.sharingrule"),
    } <= actions


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": ["everything:write"]},
        {"ip_allowlist": ["not-a-network"]},
        {"region_ids": [999999]},
        {"rate_limit": 0},
    ],
)
def test_bad_account_input_answers_400(client_for, agency, body):
    payload = {"agency": agency.pk, "name": "x", "scopes": []} | body
    response = client_for(Role.SUPERADMIN).post("/api/interop/accounts/", payload, format="json")
    assert response.status_code == 400, response.content
    assert not ServiceAccount.objects.exists()


def test_an_unknown_profile_is_refused(client_for):
    response = client_for(Role.SUPERADMIN).post(
        "/api/interop/agencies/", {"code": "z", "name_en": "Z", "profile": "nowhere"}, format="json"
    )
    assert response.status_code == 400 and "profile" in response.json()["errors"]
