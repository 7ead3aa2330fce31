"""Project-wide pytest fixtures: real PostGIS and Redis, never mocks of them."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_create

TEST_PASSWORD = "Correct-Horse-42-Battery"  # noqa: S105 — test users only


PRODUCTION_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """bcrypt costs ~0.2 s a hash by design; tests create hundreds of users. The production
    list is checked on its own in test_passwords_are_hashed_with_bcrypt."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_redis_cache():
    """Rate-limit counters and cached map layers must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role: str = Role.VIEWER, **extra):
        username = extra.pop("username", f"{role}-{next(counter)}")
        return user_create(username=username, password=TEST_PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(make_user):
    """An API client signed in (JWT) as a fresh user of the given role."""

    def make(role: str = Role.VIEWER, **extra) -> APIClient:
        user = make_user(role, **extra)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return make


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language, whatever an earlier test activated
    (threads that copy the caller's language, such as the ETL reader, would inherit it)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
