"""The request log: one row for every interop request, refused ones too, never the secret or
the body; retention; the superadmin search."""

import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from interop import admin as interop_admin
from interop.api import views_v1
from interop.models import RequestLog
from interop.services.requestlog import request_log_prune
from interop.tests.conftest import key_client
from khareetaty.accounts.choices import Role
from khareetaty.schedules import PeriodicTaskSpec
from khareetaty.scheduling import periodic_task_specs

pytestmark = pytest.mark.django_db
ME = "/api/interop/v1/me"
INCIDENTS = "/api/interop/v1/incidents"


def _only_row() -> RequestLog:
    rows = list(RequestLog.objects.all())
    assert len(rows) == 1, rows
    return rows[0]


def test_an_accepted_request_is_logged_with_its_account_and_key_prefix(make_account):
    account, secret = make_account()
    response = key_client(secret).get(ME, HTTP_X_REQUEST_ID="3f2c1d4e5b6a47988a7b6c5d4e3f2a1b")
    row = _only_row()
    assert (row.service_account_id, row.key_prefix) == (account.pk, secret.split(".")[0])
    assert (row.method, row.path, row.status) == ("GET", ME, 200)
    assert row.bytes_out == len(response.content) and row.duration_ms > 0
    assert row.client_ip == "127.0.0.1"
    assert row.request_id == response["X-Request-ID"]


def test_a_bad_key_is_logged_with_its_prefix_and_never_its_secret(make_account):
    _account, secret = make_account()
    prefix = secret.split(".")[0]
    key_client(f"{prefix}.wrong-secret-value").get(ME)
    row = _only_row()
    assert (row.status, row.key_prefix) == (401, prefix)
    stored = " ".join(str(v) for v in RequestLog.objects.values().get().values())
    assert "wrong-secret-value" not in stored and secret.split(".")[1] not in stored


def test_a_request_without_a_key_is_logged(db):
    key_client("").get(INCIDENTS)
    row = _only_row()
    assert (row.status, row.key_prefix, row.service_account_id) == (401, "", None)


def test_a_wrong_scope_is_logged(make_account):
    account, secret = make_account(scopes=["alerts:read"])
    key_client(secret).get(INCIDENTS)
    row = _only_row()
    assert (row.status, row.service_account_id) == (403, account.pk)


def test_an_invalid_body_is_logged_with_its_size_and_not_its_content(make_account):
    _account, secret = make_account()
    body = '{"records": "not a list", "secret_marker": "x"}'
    response = key_client(secret).post(INCIDENTS, body, content_type="application/json")
    assert response.status_code == 400
    row = _only_row()
    assert (row.status, row.bytes_in) == (400, len(body))
    assert "secret_marker" not in str(RequestLog.objects.values().get())


def test_an_exception_in_the_view_is_logged_as_500(make_account):
    _account, secret = make_account()
    client = key_client(secret)
    client.raise_request_exception = False
    with mock.patch.object(views_v1, "caller_summary", side_effect=RuntimeError("boom")):
        assert client.get(ME).status_code == 500
    assert _only_row().status == 500


def test_staff_api_requests_are_not_in_the_interop_log(client_for):
    client_for(Role.SUPERADMIN).get("/api/interop/agencies/")
    assert not RequestLog.objects.exists()


def _row(created_at, **extra) -> RequestLog:
    values = {"method": "GET", "path": ME, "status": 200, "duration_ms": 1.0} | extra
    return RequestLog.objects.create(created_at=created_at, **values)


def test_retention_deletes_only_rows_older_than_the_setting(settings):
    settings.INTEROP_REQUEST_LOG_RETENTION_DAYS = 400
    now = timezone.now()
    old = _row(now - dt.timedelta(days=401))
    kept = _row(now - dt.timedelta(days=399))
    assert request_log_prune(now=now) == 1
    assert list(RequestLog.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not RequestLog.objects.filter(pk=old.pk).exists()
    assert request_log_prune(now=now) == 0  # safe to run twice
    settings.INTEROP_REQUEST_LOG_RETENTION_DAYS = 10
    call_command("request_log_prune")
    assert not RequestLog.objects.exists()


def test_retention_is_a_scheduled_job():
    specs = {spec.task: spec for spec in periodic_task_specs()}
    assert isinstance(specs["interop.request_log_prune"], PeriodicTaskSpec)
    assert "interop.feeds_check" in specs


def test_superadmins_search_the_log_and_others_cannot(client_for, make_account):
    account, secret = make_account()
    key_client(secret).get(ME)
    key_client("").get(ME)
    admin = client_for(Role.SUPERADMIN)
    found = admin.get("/api/interop/requests/", {"service_account": account.pk}).json()
    assert [r["key_prefix"] for r in found["results"]] == [secret.split(".")[0]]
    refused = admin.get("/api/interop/requests/", {"status": 401}).json()
    assert [r["status"] for r in refused["results"]] == [401]
    old = _row(timezone.now() - dt.timedelta(days=30), key_prefix="old00001")
    window = {
        "since": (timezone.now() - dt.timedelta(days=31)).isoformat(),
        "until": (timezone.now() - dt.timedelta(days=29)).isoformat(),
    }
    in_window = admin.get("/api/interop/requests/", window).json()["results"]
    assert [r["id"] for r in in_window] == [old.pk]
    assert client_for(Role.ANALYST).get("/api/interop/requests/").status_code == 403


def test_the_admin_searches_the_log(client, make_user, make_account):
    _account, secret = make_account()
    key_client(secret).get(ME)
    client.force_login(make_user(Role.SUPERADMIN))
    page = client.get("/admin/interop/requestlog/", {"q": secret.split(".")[0]})
    assert page.status_code == 200 and secret.split(".")[0] in page.content.decode()


def test_the_admin_pages_a_large_log_without_counting_it(client, make_user, monkeypatch):
    for i in range(30):
        _row(timezone.now(), key_prefix=f"p{i:07d}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interop_requests")
    monkeypatch.setattr(interop_admin, "ESTIMATE_ABOVE", 10)
    client.force_login(make_user(Role.SUPERADMIN))
    page = client.get("/admin/interop/requestlog/")
    assert page.status_code == 200
    assert page.context["cl"].paginator.count == 30  # the planner's estimate, exact here
    assert "p0000029" in page.content.decode()
