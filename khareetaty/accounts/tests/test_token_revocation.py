"""Tokens and sessions end when the credentials they were granted on change: a password
change (page, API, admin, service or plain set_password), a role change, a deactivation."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_set_active, user_set_password, user_set_role
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Long-Phrase-73"


def sign_in(user) -> dict:
    response = APIClient().post(
        reverse("auth:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.data


def me_status(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(reverse("auth:me")).status_code


def refresh_status(refresh: str) -> int:
    return APIClient().post(reverse("auth:refresh"), {"refresh": refresh}).status_code


def page_session(user) -> Client:
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert client.get(reverse("password_change")).status_code == 200
    return client


def signed_out(client: Client) -> bool:
    response = client.get(reverse("password_change"))
    return response.status_code == 302 and reverse("login") in response["Location"]


def assert_tokens_dead(tokens: dict) -> None:
    assert me_status(tokens["access"]) == 401
    assert refresh_status(tokens["refresh"]) == 401


def test_api_password_change_ends_access_and_refresh_tokens(make_user):
    user = make_user(Role.ANALYST)
    other_device, tokens = sign_in(user), sign_in(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = client.post(
        reverse("auth:password_change"),
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 204, response.content
    assert_tokens_dead(tokens)
    assert_tokens_dead(other_device)
    entry = ActionLog.objects.get(action="tokens_revoke", object_id=str(user.pk))
    assert entry.summary["reason"] == "password_change"
    assert entry.summary["refresh_tokens_blacklisted"] == 2
    assert entry.actor_id == user.pk
    relogin = APIClient().post(
        reverse("auth:login"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert relogin.status_code == 200


def test_api_password_change_needs_the_current_password(make_user):
    user = make_user()
    tokens = sign_in(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = client.post(
        reverse("auth:password_change"),
        {"current_password": "not-it", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "current_password" in response.data["errors"]
    assert me_status(tokens["access"]) == 200


def test_a_refresh_token_rotated_before_the_change_dies_with_it(make_user):
    user = make_user()
    tokens = sign_in(user)
    rotated = APIClient().post(reverse("auth:refresh"), {"refresh": tokens["refresh"]}).data
    user_set_password(user=user, password=NEW_PASSWORD)
    assert_tokens_dead(rotated)


def test_page_password_change_ends_tokens_and_other_sessions_but_not_this_one(make_user):
    user = make_user()
    tokens = sign_in(user)
    this_browser, other_browser = page_session(user), page_session(user)
    response = this_browser.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert_tokens_dead(tokens)
    assert signed_out(other_browser)
    assert not signed_out(this_browser)
    assert ActionLog.objects.filter(action="password_change", actor_id=user.pk).exists()


def test_admin_password_change_ends_the_users_tokens(make_user):
    user = make_user(Role.VIEWER)
    tokens = sign_in(user)
    admin = page_session(make_user(Role.SUPERADMIN))
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert_tokens_dead(tokens)
    entry = ActionLog.objects.get(action="tokens_revoke", object_id=str(user.pk))
    assert entry.actor_username.startswith("superadmin")
    assert not signed_out(admin)


def test_the_admins_own_password_form_is_the_sites_page(make_user):
    admin = page_session(make_user(Role.SUPERADMIN))
    response = admin.post(
        "/admin/password_change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_a_password_set_outside_the_services_still_ends_tokens(make_user):
    """manage.py changepassword and the shell save the hash directly: checked on use."""
    user = make_user()
    tokens = sign_in(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_tokens_dead(tokens)


def test_role_change_ends_tokens_and_page_sessions(make_user):
    user = make_user(Role.ANALYST)
    tokens, browser = sign_in(user), page_session(user)
    user_set_role(user=user, role=Role.VIEWER)
    assert_tokens_dead(tokens)
    assert signed_out(browser)
    entry = ActionLog.objects.get(action="tokens_revoke", object_id=str(user.pk))
    assert entry.summary["reason"] == "role_change"
    assert me_status(sign_in(user)["access"]) == 200


def test_deactivation_in_the_admin_ends_tokens_and_sessions(make_user):
    user = make_user(Role.ANALYST)
    tokens, browser = sign_in(user), page_session(user)
    admin = page_session(make_user(Role.SUPERADMIN))
    form = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone_number": "",
        "role": Role.ANALYST,
        "preferred_language": user.preferred_language,
        "notification_channels": '["sms", "email"]',
        "quiet_hours_start": "",
        "quiet_hours_end": "",
    }  # is_active left unticked
    response = admin.post(reverse("admin:accounts_user_change", args=[user.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert not user.is_active
    assert_tokens_dead(tokens)
    assert signed_out(browser)
    entry = ActionLog.objects.get(action="tokens_revoke", object_id=str(user.pk))
    assert entry.summary == {"reason": "deactivation", "refresh_tokens_blacklisted": 1}
    assert OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count() == 0


def test_reactivation_does_not_revive_old_tokens(make_user):
    user = make_user()
    tokens = sign_in(user)
    user_set_active(user=user, is_active=False)
    user_set_active(user=user, is_active=True)
    assert_tokens_dead(tokens)


def test_a_deleted_users_refresh_token_is_refused_not_an_error(make_user):
    user = make_user()
    tokens = sign_in(user)
    user.delete()
    assert refresh_status(tokens["refresh"]) == 401


def test_other_users_keep_their_tokens(make_user):
    user, bystander = make_user(), make_user()
    theirs = sign_in(bystander)
    user_set_password(user=user, password=NEW_PASSWORD)
    assert me_status(theirs["access"]) == 200
    assert refresh_status(theirs["refresh"]) == 200
