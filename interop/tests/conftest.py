"""Fixtures of the interop tests: agencies, service accounts and real keys."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Category
from incidents.tests.factories import RegionFactory, nine_categories, square
from interop.choices import Scope
from interop.services import accounts


@pytest.fixture
def regions(db):
    nine_categories()
    return {
        "capital": RegionFactory(code="capital", geom=square(47.98, 29.37, 0.05)),
        "ahmadi": RegionFactory(code="ahmadi", geom=square(48.05, 29.0, 0.05)),
    }


@pytest.fixture
def agency(db):
    return accounts.agency_create(
        actor=None, code="moh", name_en="Ministry of Health", name_ar="وزارة الصحة"
    )


@pytest.fixture
def make_account(agency, regions):
    """A service account with ``scopes`` (default: all), in ``region_codes`` and
    ``category_codes`` (default: all), and a live key; returns (account, key string)."""
    counter = iter(range(1, 10_000))

    def make(scopes=None, region_codes=None, category_codes=None, **extra):
        region_codes = list(regions) if region_codes is None else region_codes
        categories = Category.objects.all()
        if category_codes is not None:
            categories = categories.filter(code__in=category_codes)
        account = accounts.service_account_create(
            actor=None,
            agency=agency,
            name=f"account-{next(counter)}",
            scopes=list(Scope.values) if scopes is None else scopes,
            region_ids=[regions[code].pk for code in region_codes],
            category_ids=[c.pk for c in categories],
            **extra,
        )
        _key, secret = accounts.key_create(actor=None, account=account, name="primary")
        return account, secret

    return make


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client
