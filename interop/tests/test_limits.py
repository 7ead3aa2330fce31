"""Per-key rate limits (Redis, 429 + Retry-After) and the IP allow-list."""

import pytest
from django.core.exceptions import ValidationError

from interop.models import RequestLog
from interop.services import accounts
from interop.tests.conftest import key_client

pytestmark = pytest.mark.django_db
ME = "/api/interop/v1/me"


def test_a_key_over_its_accounts_limit_gets_429_with_retry_after(make_account):
    _account, secret = make_account(rate_limit=3)
    client = key_client(secret)
    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(ME)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert RequestLog.objects.filter(status=429, key_prefix=secret.split(".")[0]).count() == 1


def test_each_key_is_counted_apart(make_account):
    account, first = make_account(rate_limit=2)
    _key, second = accounts.key_create(actor=None, account=account, name="second")
    for _ in range(2):
        key_client(first).get(ME)
    assert key_client(first).get(ME).status_code == 429
    assert key_client(second).get(ME).status_code == 200


def test_the_limit_is_the_accounts_own_and_default_100(make_account, settings):
    account, _secret = make_account()
    assert account.rate_limit == settings.INTEROP_DEFAULT_RATE_LIMIT == 100


def test_an_address_outside_the_allow_list_is_refused(make_account):
    _account, secret = make_account(ip_allowlist=["10.20.0.0/16"])
    client = key_client(secret)
    assert client.get(ME, REMOTE_ADDR="10.20.3.4").status_code == 200
    refused = client.get(ME, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 403
    # A client cannot pick its own address: X-Forwarded-For from an untrusted peer is ignored.
    spoofed = client.get(ME, REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert spoofed.status_code == 403


def test_a_bad_allow_list_entry_is_refused_when_saved(agency):
    with pytest.raises(ValidationError, match=r"10\.0\.0\.300"):
        accounts.service_account_create(
            actor=None, agency=agency, name="bad", scopes=[], ip_allowlist=["10.0.0.300/8"]
        )
