"""Fixtures for the page and page-data tests."""

import pytest

from khareetaty.accounts.choices import Role

# Kuwait's extent as a map box (west,south,east,north).
COUNTRY = "46.5,28.4,48.5,30.2"


@pytest.fixture
def page_client(client, make_user):
    """A browser session signed in as a viewer (the least role that sees the dashboard)."""
    client.force_login(make_user(Role.VIEWER))
    return client
