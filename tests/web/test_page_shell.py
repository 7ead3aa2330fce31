"""The page shell: one config per page (language, the served profile's time zone, URLs
reversed once, what the user may do) and the pages' words from the JavaScript catalogue."""

import json

import pytest
from django.urls import reverse

import incidents.profiles
from khareetaty.accounts.choices import Language, Role
from khareetaty.pages import page_module_register, page_urls

pytestmark = pytest.mark.django_db


def _config(response) -> dict:
    """The config block the scripts read (json_script "kh-config")."""
    html = response.content.decode()
    start = html.index('<script id="kh-config" type="application/json">') + len(
        '<script id="kh-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("path", ["/dashboard/", "/field/", "/field/tasks/1/", "/analytics/"])
def test_every_page_renders_one_config_with_the_profile_time_zone(client, make_user, path):
    client.force_login(make_user(Role.ANALYST, preferred_language=Language.ARABIC))
    config = _config(client.get(path))
    assert config["timeZone"] == "Asia/Kuwait"
    assert config["profile"] == "kuwait"
    assert config["lang"] == "ar"
    assert config["rtl"] is True
    assert config["urls"]["login"] == "/accounts/login/"


def test_the_config_follows_the_served_profiles_time_zone(client, make_user, monkeypatch):
    monkeypatch.setattr(incidents.profiles, "DEFAULT_PROFILE", "chicago")
    client.force_login(make_user(Role.VIEWER))
    config = _config(client.get("/dashboard/"))
    assert config["timeZone"] == "America/Chicago"
    assert config["profile"] == "chicago"


def test_page_urls_are_reversed_with_an_id_placeholder(client, make_user):
    urls = page_urls()
    assert urls["alert"] == reverse("commands_api:alert-detail", args=[5]).replace("5", "{id}")
    assert urls["taskUpdates"] == "/api/commands/tasks/{id}/updates"
    assert urls["regions"] == "/api/regions/"
    assert urls["runs"] == reverse("analytics_api:run-list")


def test_the_config_carries_the_choice_labels_in_the_users_language(client, make_user):
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ARABIC))
    labels = _config(client.get("/dashboard/"))["labels"]
    assert set(labels) >= {"severity", "status", "task", "priority", "trend", "incident"}
    assert labels["task"]["assigned"] != "Assigned"  # Arabic
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ENGLISH))
    assert _config(client.get("/analytics/"))["labels"]["run"]["succeeded"] == "Succeeded"


def test_an_app_adds_a_dashboard_module_with_one_registration(client, make_user, monkeypatch):
    monkeypatch.setattr("khareetaty.pages._MODULES", {})
    page_module_register("dashboard", "iot/js/sensors-layer.js")
    client.force_login(make_user(Role.VIEWER))
    assert _config(client.get("/dashboard/"))["modules"] == ["/static/iot/js/sensors-layer.js"]


def test_the_javascript_catalogue_serves_the_arabic_words(client):
    response = client.get(reverse("js_catalog", kwargs={"lang": "ar"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert json.dumps("انتقل إلى الموقع") in body  # "Navigate"
    assert json.dumps("المهمة المفتوحة رقم %(id)s") in body  # "Open task #%(id)s"
    # Counted words carry Arabic's six plural forms and the formula to pick one.
    assert '"%(n)s run": [' in body
    assert "n==0 ? 0 : n==1 ? 1 : n==2 ? 2" in body


def test_the_javascript_catalogue_in_english_has_no_translations_and_refuses_others(client):
    english = client.get(reverse("js_catalog", kwargs={"lang": "en"}))
    assert english.status_code == 200
    assert "انتقل" not in english.content.decode()
    assert client.get("/jsi18n/xx.js").status_code == 404


def test_pages_load_the_catalogue_of_the_users_language(client, make_user):
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ARABIC))
    html = client.get("/dashboard/").content.decode()
    assert '<script src="/jsi18n/ar.js"></script>' in html
    assert 'id="kh-strings"' not in html
