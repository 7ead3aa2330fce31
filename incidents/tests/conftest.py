"""Fixtures shared by the incidents tests."""

import pytest

from incidents.tests.factories import RegionFactory, nine_categories, square


@pytest.fixture
def setup_regions():
    nine_categories()
    return {
        "capital": RegionFactory(code="capital", geom=square(47.98, 29.37, 0.05)),
        "ahmadi": RegionFactory(code="ahmadi", geom=square(48.05, 29.0, 0.05)),
    }
