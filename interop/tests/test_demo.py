"""``make run``'s demo agency: created once with a key printed once and a sample push,
reached from setup_demo by command name."""

import io

import pytest
from django.core.management import call_command

from commands.models import AlertRule
from incidents.models import Incident
from interop.models import Agency, ServiceAccountKey
from interop.tests.conftest import key_client
from khareetaty.management.commands.setup_demo import app_demo_commands

pytestmark = pytest.mark.django_db


def test_setup_demo_finds_the_interop_demo_by_name():
    assert "setup_interop_demo" in app_demo_commands()


def test_the_demo_agency_gets_a_working_key_once_and_a_sample_push(regions, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("setup_interop_demo", stdout=out)
    key = (tmp_path / "demo-interop-key.txt").read_text().strip()
    assert key in out.getvalue()
    agency = Agency.objects.get(code="demo-agency")
    assert Incident.objects.filter(source=agency.source).count() == 4
    assert key_client(key).get("/api/interop/v1/incidents").json()["features"]
    again = io.StringIO()
    call_command("setup_interop_demo", stdout=again)
    assert key not in again.getvalue()
    assert ServiceAccountKey.objects.count() == 1
    assert AlertRule.objects.filter(kind="feed_silence").count() == 1
