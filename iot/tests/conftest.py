"""Fixtures of the iot tests: reference data, a device with its key, a silent-device rule."""

import pytest
from django.core.management import call_command

from iot.services.devices import device_create, device_key_issue, key_cache_clear
from iot.services.partitions import _KNOWN_DAYS


@pytest.fixture(autouse=True)
def _fresh_caches():
    key_cache_clear()
    _KNOWN_DAYS.clear()
    yield
    key_cache_clear()
    _KNOWN_DAYS.clear()


@pytest.fixture
def reference(db):
    call_command("load_reference_data", verbosity=0)


def make_device(external_id="cam-1", kind="acoustic", lon=47.98, lat=29.37, **extra):
    device = device_create(
        kind=kind, agency="moi", external_id=external_id, lon=lon, lat=lat, actor=None, **extra
    )
    _key, text = device_key_issue(device=device, actor=None)
    return device, text


@pytest.fixture
def device(reference):
    return make_device()
