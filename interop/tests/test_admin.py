"""The admin goes through the services: a key made there is shown once in the message and
works; agencies and accounts saved there are audited."""

import re

import pytest

from interop.models import Agency, ServiceAccountKey
from interop.tests.conftest import key_client
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def test_a_key_added_in_the_admin_is_shown_once_and_works(client, make_user, make_account):
    account, _secret = make_account()
    client.force_login(make_user(Role.SUPERADMIN))
    response = client.post(
        "/admin/interop/serviceaccountkey/add/",
        {
            "service_account": account.pk,
            "name": "from-admin",
            "expiry_date_0": "",
            "expiry_date_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    key = re.search(r"The key is (\S+?\.\S+?)\. Store it now", text).group(1)
    row = ServiceAccountKey.objects.get(name="from-admin")
    assert key.startswith(row.prefix + ".") and key not in row.hashed_key
    assert key_client(key).get("/api/interop/v1/me").status_code == 200
    assert ActionLog.objects.filter(action="key_create", summary__prefix=row.prefix).exists()
    listing = client.get("/admin/interop/serviceaccountkey/").content.decode()
    assert key not in listing


def test_an_agency_added_in_the_admin_gets_its_sharing_rule_and_is_audited(client, make_user):
    client.force_login(make_user(Role.SUPERADMIN))
    response = client.post(
        "/admin/interop/agency/add/",
        {"code": "coast", "name_en": "Coast Guard", "name_ar": "", "contact": "", "active": "on",
         "profile": "kuwait"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code="coast")
    assert agency.sharing_rule.fields
    assert ActionLog.objects.filter(
        action="create", object_type="interop.agency", object_id=str(agency.pk)
    ).exists()
