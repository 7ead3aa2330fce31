"""Two-factor sign-in (TOTP) for superadmins: asked of those who enrolled a device, and of
every superadmin with REQUIRE_2FA_FOR_SUPERADMINS; real django-otp codes, no mocks."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Role
from khareetaty.accounts.otp import otp_device_start
from khareetaty.accounts.services import user_set_password
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, ahead: int = 0) -> str:
    """The code the user's app shows now (``ahead`` steps later: each code works once)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return str(value).zfill(device.digits)


def wrong(device: TOTPDevice) -> str:
    right = {code(device, step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


@pytest.fixture
def superadmin_with_device(make_user):
    user = make_user(Role.SUPERADMIN)
    return user, otp_device_start(user=user, confirmed=True)


def page_password_step(client: Client, user, next_url: str = ""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": TEST_PASSWORD})


def api_login(user, **extra):
    data = {"username": user.username, "password": TEST_PASSWORD, **extra}
    return APIClient().post(reverse("auth:login"), data, format="json")


def test_page_sign_in_asks_an_enrolled_superadmin_for_a_code(superadmin_with_device):
    user, device = superadmin_with_device
    client = Client()
    response = page_password_step(client, user, next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("login_otp")
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    refused = client.post(reverse("login_otp"), {"otp": wrong(device)})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert ActionLog.objects.filter(action="login_failed", summary__username=user.username)
    # django-otp slows guessing down: right after a failure even the right code waits.
    assert client.post(reverse("login_otp"), {"otp": code(device)}).status_code == 200
    time.sleep(1.1)
    signed_in = client.post(reverse("login_otp"), {"otp": code(device)})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/admin/").status_code == 200


def test_a_code_works_once(superadmin_with_device):
    user, device = superadmin_with_device
    first, second = Client(), Client()
    page_password_step(first, user)
    page_password_step(second, user)
    current = code(device)
    assert first.post(reverse("login_otp"), {"otp": current}).status_code == 302
    assert second.post(reverse("login_otp"), {"otp": current}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_the_code_step_needs_the_password_step_first(superadmin_with_device):
    _user, device = superadmin_with_device
    client = Client()
    response = client.post(reverse("login_otp"), {"otp": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_password_change_between_the_steps_voids_the_first(superadmin_with_device):
    user, device = superadmin_with_device
    client = Client()
    page_password_step(client, user)
    user_set_password(user=user, password="Another-Long-Phrase-73")
    response = client.post(reverse("login_otp"), {"otp": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_superadmin_without_device_is_refused_when_2fa_is_required(make_user, settings):
    settings.REQUIRE_2FA_FOR_SUPERADMINS = True
    user = make_user(Role.SUPERADMIN)
    client = Client()
    response = page_password_step(client, user)
    assert response.status_code == 403
    assert "otp_enrol" in response.content.decode()
    assert "_auth_user_id" not in client.session
    api = api_login(user)
    assert api.status_code == 403 and api.json()["code"] == "otp_enrolment_required"


def test_two_factor_is_optional_until_required(make_user):
    user = make_user(Role.SUPERADMIN)
    client = Client()
    assert page_password_step(client, user).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert api_login(user).status_code == 200


def test_other_roles_are_not_asked_for_a_code(make_user, settings):
    settings.REQUIRE_2FA_FOR_SUPERADMINS = True
    analyst = make_user(Role.ANALYST)
    assert api_login(analyst).status_code == 200
    client = Client()
    assert page_password_step(client, analyst).status_code == 302
    assert client.session["_auth_user_id"] == str(analyst.pk)


def test_api_sign_in_of_a_superadmin_needs_the_otp_field(superadmin_with_device, settings):
    settings.REQUIRE_2FA_FOR_SUPERADMINS = True
    user, device = superadmin_with_device
    missing = api_login(user)
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    assert "access" not in missing.json()
    bad = api_login(user, otp=wrong(device))
    assert bad.status_code == 401 and bad.json()["code"] == "otp_invalid"
    time.sleep(1.1)  # django-otp's back-off after a failure
    good = api_login(user, otp=code(device))
    assert good.status_code == 200 and good.json()["access"]
    for hostile in ["\uff11\uff12\uff13\uff14\uff15\uff16", "12 34 56", "x" * 10, "-1"]:
        assert api_login(user, otp=hostile).status_code == 401


def test_guessing_codes_counts_as_failed_sign_ins(superadmin_with_device, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 3
    user, device = superadmin_with_device
    statuses = [api_login(user, otp=wrong(device)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_the_admin_login_form_cannot_skip_the_code(superadmin_with_device):
    user, _device = superadmin_with_device
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_superadmin_enrols_their_own_app_on_the_page(make_user):
    user = make_user(Role.SUPERADMIN)
    client = Client()
    page_password_step(client, user)
    page = client.get(reverse("otp_enrol"))
    assert page.status_code == 200
    secret = re.search(r"<code[^>]*>([A-Z2-7=]+)</code>", page.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.rstrip("=") in device.config_url
    assert b"<svg" in page.content
    assert client.post(reverse("otp_enrol"), {"otp": wrong(device)}).status_code == 200
    time.sleep(1.1)  # django-otp's back-off after a failure
    assert client.post(reverse("otp_enrol"), {"otp": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert ActionLog.objects.filter(action="otp_confirm", object_id=str(user.pk)).exists()
    # From now on the password alone is not enough.
    assert page_password_step(Client(), user)["Location"] == reverse("login_otp")
    assert api_login(user).json()["code"] == "otp_required"


def test_only_superadmins_have_the_enrolment_page(make_user):
    client = Client()
    page_password_step(client, make_user(Role.ANALYST))
    assert client.get(reverse("otp_enrol")).status_code == 403
    assert Client().get(reverse("otp_enrol")).status_code == 302


def test_operator_enrols_a_superadmin_from_the_shell(make_user, settings):
    settings.REQUIRE_2FA_FOR_SUPERADMINS = True
    user = make_user(Role.SUPERADMIN)
    out = StringIO()
    call_command("otp_enrol", user.username, stdout=out)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.config_url in out.getvalue()
    assert api_login(user, otp=code(device)).status_code == 200
    with pytest.raises(Exception, match="already has a device"):
        call_command("otp_enrol", user.username, stdout=StringIO())
    call_command("otp_enrol", user.username, "--replace", stdout=StringIO())
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert TOTPDevice.objects.get(user=user).pk != device.pk
