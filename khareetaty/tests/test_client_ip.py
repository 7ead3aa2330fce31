"""One trusted client address for every consumer: rate limits, lockout, audit and /metrics.

Without TRUSTED_PROXIES a client's own X-Forwarded-For is ignored; with the proxy trusted,
the rightmost hop that is not a trusted proxy is the client, whatever was written left of it.
"""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import TEST_PASSWORD
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog
from khareetaty.net import client_ip, warn_untrusted_forwarding

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
ATTACKER = "198.51.100.66"


def _ip(settings, trusted, remote, forwarded=None):
    settings.TRUSTED_PROXIES = trusted
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    assert _ip(settings, [], ATTACKER, "127.0.0.1") == ATTACKER


def test_a_forwarded_for_with_no_trusted_proxy_warns_the_operator_once(settings, caplog):
    warn_untrusted_forwarding.cache_clear()
    for _ in range(3):
        _ip(settings, [], "10.0.0.5", ATTACKER)
    warnings = [r for r in caplog.records if "TRUSTED_PROXIES is empty" in r.getMessage()]
    assert len(warnings) == 1


def test_forwarded_for_is_ignored_when_the_peer_is_not_a_trusted_proxy(settings):
    assert _ip(settings, [PROXY], ATTACKER, "127.0.0.1") == ATTACKER


def test_the_rightmost_untrusted_hop_is_the_client_behind_a_trusted_proxy(settings):
    # The client wrote "127.0.0.1, 1.2.3.4" itself; the proxy appended the real peer.
    forwarded = f"127.0.0.1, 1.2.3.4, {ATTACKER}"
    assert _ip(settings, [PROXY], PROXY, forwarded) == ATTACKER


def test_a_chain_of_trusted_proxies_is_walked_to_the_client(settings):
    forwarded = f"9.9.9.9, {ATTACKER}, 10.0.0.7"
    assert _ip(settings, ["10.0.0.0/24"], PROXY, forwarded) == ATTACKER


def test_garbage_hops_never_become_the_client(settings):
    assert _ip(settings, [PROXY], PROXY, "<script>, not-an-ip") == PROXY
    assert _ip(settings, [PROXY], PROXY, f"not-an-ip, {ATTACKER}") == ATTACKER


def login(client, username, password="wrong-password", **extra):  # noqa: S107 — a wrong guess
    return client.post(
        reverse("auth:login"), {"username": username, "password": password}, format="json", **extra
    )


def test_api_rate_limit_counts_a_spoofing_client_once(make_user, settings):
    settings.API_RATE_LIMIT = "3/min"
    user = make_user()
    client = APIClient(REMOTE_ADDR=ATTACKER)
    statuses = [
        login(
            client, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_api_rate_limit_tells_clients_of_a_trusted_proxy_apart(make_user, settings):
    settings.API_RATE_LIMIT = "2/min"
    settings.TRUSTED_PROXIES = [PROXY]
    user = make_user()
    client = APIClient(REMOTE_ADDR=PROXY)
    for _ in range(2):
        login(client, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {ATTACKER}")
    spoofed = login(
        client, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"1.1.1.2, {ATTACKER}"
    )
    assert spoofed.status_code == 429
    other = login(client, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert other.status_code == 200


def test_lockout_holds_when_the_attacker_rotates_forwarded_for(make_user, settings):
    user = make_user()
    client = APIClient(REMOTE_ADDR=ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    locked = login(client, user.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert locked.status_code == 403
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_lockout_behind_a_proxy_locks_the_attacker_not_everyone(make_user, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    admin = make_user(Role.SUPERADMIN)
    through_proxy = APIClient(REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(through_proxy, admin.username, HTTP_X_FORWARDED_FOR=ATTACKER)
    attacker = login(through_proxy, admin.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert attacker.status_code == 403
    colleague = login(
        through_proxy, admin.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.20"
    )
    assert colleague.status_code == 200, colleague.content
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_audit_records_the_trusted_client_address(make_user, settings):
    user = make_user()
    login(APIClient(REMOTE_ADDR=ATTACKER), user.username, HTTP_X_FORWARDED_FOR="127.0.0.1")
    settings.TRUSTED_PROXIES = [PROXY]
    login(APIClient(REMOTE_ADDR=PROXY), user.username, HTTP_X_FORWARDED_FOR="203.0.113.20")
    addresses = list(
        ActionLog.objects.filter(action="login_failed")
        .order_by("id")
        .values_list("ip_address", flat=True)
    )
    assert addresses == [ATTACKER, "203.0.113.20"]


def test_metrics_default_to_loopback_only():
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="172.17.0.2").get("/metrics").status_code == 403


def test_metrics_ignore_a_spoofed_forwarded_for(settings):
    outsider = Client(REMOTE_ADDR=ATTACKER)
    assert outsider.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403
    settings.TRUSTED_PROXIES = [PROXY]
    settings.METRICS_ALLOWED_NETWORKS = ["10.9.0.0/16"]
    proxy = Client(REMOTE_ADDR=PROXY)
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="10.9.0.1").status_code == 200
    spoofed = proxy.get("/metrics", HTTP_X_FORWARDED_FOR=f"10.9.0.1, {ATTACKER}")
    assert spoofed.status_code == 403
    # The proxy's own address is not an internal caller: it only relays.
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 403


def test_metrics_token_must_match_exactly(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    outsider = Client(REMOTE_ADDR=ATTACKER)
    for wrong in ["Bearer s3cret-toke", "Bearer s3cret-token2", "s3cret-token", "Bearer "]:
        assert outsider.get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 403
    right = outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert right.status_code == 200
