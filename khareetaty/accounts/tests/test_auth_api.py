from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken

from conftest import PRODUCTION_PASSWORD_HASHERS, TEST_PASSWORD
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def login(api_client, username, password=TEST_PASSWORD):
    return api_client.post(
        reverse("auth:login"), {"username": username, "password": password}, format="json"
    )


def test_login_returns_an_access_token_valid_for_eight_hours(api_client, make_user):
    user = make_user(Role.ANALYST)
    response = login(api_client, user.username)
    assert response.status_code == 200, response.content
    access = AccessToken(response.data["access"])
    lifetime = access["exp"] - access["iat"]
    # iat and exp are whole seconds taken a moment apart: allow one second of rounding.
    assert abs(lifetime - timedelta(hours=8).total_seconds()) <= 1
    assert ActionLog.objects.filter(action="login", actor_id=user.pk).exists()


def test_me_returns_the_signed_in_profile(api_client, make_user):
    user = make_user(Role.VIEWER, phone_number="+96512345678")
    token = login(api_client, user.username).data["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(reverse("auth:me"))
    assert response.status_code == 200
    assert response.data["role"] == "viewer"
    assert response.data["phone_number"] == "+96512345678"


def test_refresh_rotates_and_blacklists_the_old_token(api_client, make_user):
    user = make_user()
    first = login(api_client, user.username).data["refresh"]
    rotated = api_client.post(reverse("auth:refresh"), {"refresh": first}, format="json")
    assert rotated.status_code == 200
    assert rotated.data["refresh"] != first
    reused = api_client.post(reverse("auth:refresh"), {"refresh": first}, format="json")
    assert reused.status_code == 401


def test_logout_blacklists_the_refresh_token(api_client, make_user):
    user = make_user()
    tokens = login(api_client, user.username).data
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert (
        api_client.post(
            reverse("auth:logout"), {"refresh": tokens["refresh"]}, format="json"
        ).status_code
        == 204
    )
    again = api_client.post(reverse("auth:refresh"), {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401


def test_repeated_failed_logins_lock_the_account(api_client, make_user, settings):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(api_client, user.username, "wrong-password").status_code == 401
    assert login(api_client, user.username, "wrong-password").status_code == 403
    locked = login(api_client, user.username)  # even the right password is refused now
    assert locked.status_code == 403
    assert locked.json()["code"] == "account_locked"
    assert ActionLog.objects.filter(action="login_failed").count() >= settings.AXES_FAILURE_LIMIT
    assert ActionLog.objects.filter(action="lockout").exists()


def test_superadmin_creates_a_user_and_it_is_audited(client_for):
    admin = client_for(Role.SUPERADMIN)
    response = admin.post(
        reverse("auth:user_create"),
        {"username": "new-analyst", "password": "Another-Strong-Pass-9", "role": "analyst"},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = ActionLog.objects.get(
        action="create", object_type="accounts.user", object_id=str(response.data["id"])
    )
    assert entry.actor_id == admin.user.pk


def test_weak_password_is_refused_with_a_field_error(client_for):
    admin = client_for(Role.SUPERADMIN)
    response = admin.post(
        reverse("auth:user_create"), {"username": "x", "password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.data["errors"]


def test_page_sign_in_is_locked_after_repeated_failures(client, make_user, settings):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert locked.status_code == 403
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_bcrypt(make_user, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
    user = make_user()
    assert user.password.startswith("bcrypt_sha256$")
    assert user.check_password(TEST_PASSWORD)
