"""Keys: shown once, stored hashed, rotated with two live keys, expired, revoked; a key opens
only the interop API and a staff token never opens it."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from interop.models import ServiceAccountKey
from interop.services import accounts
from interop.tests.conftest import key_client
from khareetaty.accounts.choices import Role
from khareetaty.accounts.tokens import CredentialBoundRefreshToken
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db
ME = "/api/interop/v1/me"


def test_a_key_created_by_a_superadmin_is_shown_once_and_stored_only_hashed(
    make_account, client_for
):
    account, _secret = make_account()
    admin = client_for(Role.SUPERADMIN)
    created = admin.post(
        f"/api/interop/accounts/{account.pk}/keys/", {"name": "rotation"}, format="json"
    )
    assert created.status_code == 201, created.content
    secret = created.json()["key"]
    prefix = created.json()["prefix"]
    assert secret.startswith(prefix + ".")
    row = ServiceAccountKey.objects.get(prefix=prefix)
    assert secret not in row.hashed_key and secret.split(".")[1] not in row.hashed_key
    assert row.hashed_key.startswith("sha512$$")
    shown_again = admin.get(f"/api/interop/keys/{prefix}/")
    assert shown_again.status_code == 200
    assert "key" not in shown_again.json() and secret not in shown_again.content.decode()
    assert ActionLog.objects.filter(action="key_create", summary__prefix=prefix).exists()
    assert key_client(secret).get(ME).status_code == 200


def test_rotation_keeps_two_keys_live_until_the_old_one_is_revoked(make_account):
    account, old = make_account()
    _new_key, new = accounts.key_create(actor=None, account=account, name="next")
    assert key_client(old).get(ME).status_code == 200
    assert key_client(new).get(ME).status_code == 200
    old_key = ServiceAccountKey.objects.get(prefix=old.split(".")[0])
    assert old_key.last_used_at is not None  # the admin shows which key is still in use
    accounts.key_revoke(actor=None, key=old_key)
    assert key_client(old).get(ME).status_code == 401
    assert key_client(new).get(ME).status_code == 200
    assert ActionLog.objects.filter(action="key_revoke", summary__prefix=old_key.prefix).exists()


def test_a_superadmin_revokes_a_key_through_the_api(make_account, client_for):
    _account, secret = make_account()
    prefix = secret.split(".")[0]
    response = client_for(Role.SUPERADMIN).post(f"/api/interop/keys/{prefix}/revoke/")
    assert response.status_code == 200 and response.json()["revoked"] is True
    assert key_client(secret).get(ME).status_code == 401


def test_an_expired_key_is_refused(make_account):
    account, _ = make_account()
    past = timezone.now() - dt.timedelta(minutes=1)
    _key, expired = accounts.key_create(actor=None, account=account, name="old", expires_at=past)
    future = timezone.now() + dt.timedelta(days=1)
    _key, live = accounts.key_create(actor=None, account=account, name="new", expires_at=future)
    assert key_client(expired).get(ME).status_code == 401
    assert key_client(live).get(ME).status_code == 200


def test_a_wrong_secret_with_a_real_prefix_is_refused(make_account):
    _account, secret = make_account()
    prefix = secret.split(".")[0]
    assert key_client(f"{prefix}.not-the-secret").get(ME).status_code == 401


def test_inactive_account_or_agency_refuses_its_keys(make_account, agency):
    account, secret = make_account()
    accounts.service_account_update(account=account, actor=None, data={"active": False})
    assert key_client(secret).get(ME).status_code == 401
    accounts.service_account_update(account=account, actor=None, data={"active": True})
    accounts.agency_update(agency=agency, actor=None, data={"active": False})
    assert key_client(secret).get(ME).status_code == 401


def test_a_key_never_opens_the_staff_api_or_pages(make_account):
    _account, secret = make_account()
    client = key_client(secret)
    assert client.get("/api/incidents/").status_code == 401
    assert client.get("/api/auth/me").status_code == 401
    page = client.get("/dashboard/")
    assert page.status_code == 302 and "/login" in page["Location"]
    assert client.get("/api/interop/agencies/").status_code == 401


def test_a_staff_token_or_session_never_opens_the_interop_api(make_user, client):
    user = make_user(Role.SUPERADMIN)
    token = CredentialBoundRefreshToken.for_user(user).access_token
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/auth/me").status_code == 200  # the token itself is good
    assert api.get(ME).status_code == 401
    assert api.get("/api/interop/v1/incidents").status_code == 401
    client.force_login(user)
    assert client.get(ME).status_code == 401


def test_non_superadmins_cannot_manage_agencies_or_keys(client_for, agency):
    for role in (Role.VIEWER, Role.ANALYST, Role.FIELD_SUPERVISOR):
        api = client_for(role)
        assert api.get("/api/interop/agencies/").status_code == 403
        assert (
            api.post(
                "/api/interop/agencies/", {"code": "x", "name_en": "X"}, format="json"
            ).status_code
            == 403
        )
