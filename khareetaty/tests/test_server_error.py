"""The 500 handler: an exhausted database pool is overload (503 + Retry-After), anything
else stays Django's 500 page."""

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import RequestFactory
from psycopg_pool import ConnectionPool, PoolTimeout

from khareetaty.views import server_error


def _conninfo() -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST']} port={db['PORT']} dbname=postgres user={db['USER']}"


@pytest.fixture
def exhausted_pool():
    """A real pool of one connection, that connection taken."""
    pool = ConnectionPool(_conninfo(), min_size=1, max_size=1, timeout=0.2, open=True)
    held = pool.getconn()
    yield pool
    pool.putconn(held)
    pool.close()


def test_an_exhausted_database_pool_answers_503_with_retry_after(exhausted_pool):
    request = RequestFactory().get("/api/incidents/")
    try:
        try:
            exhausted_pool.getconn()
        except PoolTimeout as timeout:  # what Django's connection wrapper does with it
            raise OperationalError(str(timeout)) from timeout
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b'"busy"' in response.content


def test_any_other_error_keeps_the_plain_500_page():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
