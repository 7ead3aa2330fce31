"""The demo part `setup_demo` finds by name, and the simulator's fleet."""

import pytest
from django.core.management import call_command, get_commands

from commands.models import Alert
from incidents.models import Incident
from iot.models import Device

pytestmark = pytest.mark.django_db


def test_setup_demo_finds_the_iot_part_by_name():
    assert "setup_iot_demo" in get_commands()


def test_iot_demo_shows_devices_a_sensor_incident_and_a_silent_device_alert(
    reference, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    call_command("setup_iot_demo", verbosity=0)
    call_command("setup_iot_demo", verbosity=0)  # idempotent
    assert Device.objects.filter(agency="demo").count() == 30
    assert Incident.objects.filter(channel="sensor").count() == 1
    silent = Alert.objects.filter(rule__kind="silent_device")
    assert silent.count() == 1 and silent.get().status == "open"
    assert Device.objects.filter(silent_since__isnull=False).count() == 1
    assert (tmp_path / "iot-demo-keys.json").stat().st_mode & 0o777 == 0o600
