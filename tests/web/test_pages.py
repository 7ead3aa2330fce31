"""Server-rendered pages: who lands where, what each role may do, language and direction."""

import pytest
from django.conf import settings
from django.urls import reverse

from khareetaty.accounts.choices import Language, Role


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role, **extra):
        user = make_user(role, **extra)
        client.force_login(user)
        return user

    return sign_in


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.ANALYST, "/dashboard/"),
        (Role.VIEWER, "/dashboard/"),
        (Role.SUPERADMIN, "/dashboard/"),
        (Role.FIELD_SUPERVISOR, "/field/"),
    ],
)
def test_home_sends_each_role_to_its_page(client, signed_in, role, landing):
    signed_in(role)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == landing


def test_pages_require_sign_in(client, db):
    for path in ["/dashboard/", "/field/", "/field/tasks/1/", "/analytics/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_only_analysts_get_the_task_dialog_and_act_flag(client, signed_in):
    signed_in(Role.VIEWER, preferred_language=Language.ENGLISH)
    viewer_page = client.get("/dashboard/")
    assert viewer_page.context["config"]["canAct"] is False
    assert b'id="task-dialog"' not in viewer_page.content
    signed_in(Role.ANALYST, preferred_language=Language.ENGLISH)
    analyst_page = client.get("/dashboard/")
    assert analyst_page.context["config"]["canAct"] is True
    assert b'id="task-dialog"' in analyst_page.content


def test_page_is_rendered_in_the_users_language_whatever_the_cookie(client, signed_in):
    signed_in(Role.ANALYST, preferred_language=Language.ARABIC)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/dashboard/")
    assert b'<html lang="ar" dir="rtl">' in response.content
    assert response.context["config"]["rtl"] is True
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


def test_language_switch_is_saved_on_the_user(client, signed_in):
    user = signed_in(Role.VIEWER, preferred_language=Language.ENGLISH)
    response = client.post(
        "/accounts/language/", {"language": "ar", "next": "/dashboard/?period=7d"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/?period=7d"
    user.refresh_from_db()
    assert user.preferred_language == Language.ARABIC
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client, signed_in):
    signed_in(Role.VIEWER, preferred_language=Language.ENGLISH)
    assert client.post("/accounts/language/", {"language": "xx"}).status_code == 400
    response = client.post(
        "/accounts/language/", {"language": "en", "next": "https://example.com/"}
    )
    assert response["Location"] == "/"


def test_page_config_has_no_tiles_unless_a_tile_server_is_configured(client, signed_in, settings):
    signed_in(Role.VIEWER)
    config = client.get("/dashboard/").context["config"]
    assert config["map"]["tileUrl"] == ""
    assert "geoBoundaries" in config["map"]["boundaryAttribution"]
    settings.MAP_TILE_URL = "http://tiles.internal/{z}/{x}/{y}.png"
    assert client.get("/dashboard/").context["config"]["map"]["tileUrl"] == settings.MAP_TILE_URL


def test_page_config_gives_the_urls_the_scripts_call_reversed(client, signed_in):
    signed_in(Role.VIEWER)
    urls = client.get("/dashboard/").context["config"]["urls"]
    assert urls["alerts"] == reverse("commands_api:alert-list")
    assert urls["regions"] == reverse("incidents:region-list")
    assert urls["task"] == reverse("commands_api:task-detail", args=[7]).replace("7", "{id}")
    assert set(urls) >= {"hotspots", "forecasts", "risk", "evaluation", "incident", "mapDaily"}
