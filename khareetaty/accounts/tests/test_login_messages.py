"""Sign-in failures: one clear message for a wrong username or password, and the page
form keeps what was typed."""

import pytest
from django.urls import reverse

from conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_mistyped_username_gets_the_same_clear_message_as_a_wrong_password(api_client, make_user):
    user = make_user("analyst")
    url = reverse("auth:login")

    typo = api_client.post(url, {"username": user.username + "x", "password": TEST_PASSWORD})
    wrong = api_client.post(url, {"username": user.username, "password": "not-it-1"})

    assert (typo.status_code, wrong.status_code) == (401, 401)
    assert typo.json()["detail"] == wrong.json()["detail"] == "Invalid username or password."


def test_the_sign_in_failure_message_is_translated(api_client, make_user):
    user = make_user("analyst")
    response = api_client.post(
        reverse("auth:login"),
        {"username": user.username + "x", "password": TEST_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert response.json()["detail"] == "اسم المستخدم أو كلمة المرور غير صحيحة."


def test_the_sign_in_page_keeps_the_username_after_a_failure(client, make_user):
    user = make_user("analyst")
    page = client.post(reverse("login"), {"username": user.username, "password": "not-it-1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{user.username}"' in html
    assert (
        'type="password" name="password" autocomplete="current-password" required autofocus' in html
    )
