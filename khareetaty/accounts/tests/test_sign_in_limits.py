"""Sign-in limits beyond the per-username lockout: a password sprayed over many usernames
from one address, and a ceiling on sign-ins from everybody, pages and API alike."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db

SPRAYER = "198.51.100.66"


def api_login(client, username, password="Spring2026!", **extra):  # noqa: S107 — a sprayed guess
    return client.post(
        reverse("auth:login"), {"username": username, "password": password}, format="json", **extra
    )


def page_login(client, username, password="Spring2026!", **extra):  # noqa: S107 — a sprayed guess
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_one_password_sprayed_over_many_usernames_is_refused(make_user, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 4
    victims = [make_user(Role.VIEWER) for _ in range(6)]
    client = APIClient(REMOTE_ADDR=SPRAYER)
    statuses = [
        api_login(client, victim.username, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n, victim in enumerate(victims[:5])
    ]
    assert statuses == [401, 401, 401, 401, 429]
    # Even the right password for an untouched account waits out the window from there.
    refused = api_login(client, victims[5].username, TEST_PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another address is not affected.
    assert api_login(APIClient(), victims[5].username, TEST_PASSWORD).status_code == 200


def test_failures_on_the_page_and_the_api_count_together(make_user, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 3
    users = [make_user() for _ in range(4)]
    page = Client(REMOTE_ADDR=SPRAYER)
    api = APIClient(REMOTE_ADDR=SPRAYER)
    assert page_login(page, users[0].username).status_code == 200  # the form, with an error
    assert api_login(api, users[1].username).status_code == 401
    assert page_login(page, users[2].username).status_code == 200
    assert api_login(api, users[3].username, TEST_PASSWORD).status_code == 429
    refused = page_login(page, users[3].username, TEST_PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in page.session


def test_good_sign_ins_do_not_count_as_failures(make_user, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 2
    user = make_user()
    client = APIClient(REMOTE_ADDR=SPRAYER)
    for _ in range(4):
        assert api_login(client, user.username, TEST_PASSWORD).status_code == 200


def test_sign_in_attempts_per_address_are_limited(make_user, settings):
    settings.SIGNIN_RATE_LIMIT = "3/min"
    user = make_user()
    client = APIClient(REMOTE_ADDR=SPRAYER)
    statuses = [api_login(client, user.username, TEST_PASSWORD).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert page_login(Client(REMOTE_ADDR=SPRAYER), user.username).status_code == 429
    assert api_login(APIClient(), user.username, TEST_PASSWORD).status_code == 200


def test_the_global_sign_in_ceiling_holds_across_addresses(make_user, settings):
    settings.SIGNIN_GLOBAL_RATE_LIMIT = "3/min"
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    user = make_user()
    proxy = APIClient(REMOTE_ADDR="10.0.0.5")
    statuses = [
        api_login(
            proxy, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 200]
    assert page_login(Client(REMOTE_ADDR="203.0.113.50"), user.username).status_code == 429
    assert api_login(APIClient(REMOTE_ADDR="203.0.113.51"), user.username).status_code == 429


def test_showing_the_sign_in_page_is_not_an_attempt(settings):
    settings.SIGNIN_RATE_LIMIT = "1/min"
    client = Client(REMOTE_ADDR=SPRAYER)
    assert [client.get(reverse("login")).status_code for _ in range(3)] == [200, 200, 200]
