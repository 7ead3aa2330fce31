import pytest
from django.urls import reverse
from django_redis import get_redis_connection

from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db


def test_requests_over_the_limit_get_429_with_retry_after(client_for, settings):
    settings.API_RATE_LIMIT = "5/min"
    client = client_for(Role.VIEWER)
    statuses = [client.get(reverse("auth:me")).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    refused = client.get(reverse("auth:me"))
    assert 0 < int(refused["Retry-After"]) <= 60


def test_the_limit_is_per_user(client_for, settings):
    settings.API_RATE_LIMIT = "3/min"
    first, second = client_for(Role.VIEWER), client_for(Role.VIEWER)
    for _ in range(3):
        first.get(reverse("auth:me"))
    assert first.get(reverse("auth:me")).status_code == 429
    assert second.get(reverse("auth:me")).status_code == 200


def test_the_count_lives_in_redis_shared_by_every_process(client_for, settings):
    """A counter written by one process is visible to a fresh cache client, as it would be
    to another web process."""
    settings.API_RATE_LIMIT = "100/min"
    client = client_for(Role.VIEWER)
    client.get(reverse("auth:me"))
    keys = get_redis_connection("default").keys("*throttle_user_*")
    assert keys, "no throttle counter found in Redis"
