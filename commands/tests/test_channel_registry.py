"""The channel registry is the one list of channels: what it holds is a ``ChannelKind``,
a choice of ``Delivery.channel``, a channel the policy and people's preferences accept,
and a channel deliveries are sent on, rendered by the channel itself."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from commands.choices import ChannelKind, DeliveryStatus
from commands.models import Delivery
from commands.notify.registry import CHANNELS, channel_for, personal_kinds
from commands.services.deliveries import SendOutcome, delivery_send
from commands.tests import channels as test_channels
from commands.tests.conftest import raise_manual

ROOT = Path(__file__).resolve().parents[2]

PIGEON = "commands.tests.channels.PigeonChannel"

# Registers the pigeon in the registry only, then loads Django and reports what the
# rest of the code sees (ChannelKind is built when commands.choices is imported).
PROBE = f"""
import json, django
from commands.notify import registry
registry.CHANNELS["pigeon"] = {PIGEON!r}
django.setup()
from commands.choices import ChannelKind
from commands.models import Delivery
print(json.dumps({{
    "kinds": ChannelKind.values,
    "label": str(ChannelKind("pigeon").label),
    "field": [value for value, _label in Delivery._meta.get_field("channel").choices],
}}))
"""


def test_every_registered_channel_is_a_channel_kind_with_its_label():
    assert ChannelKind.values == list(CHANNELS)
    for kind in CHANNELS:
        channel = channel_for(kind)
        assert channel.kind == kind
        assert ChannelKind(kind).label == channel.label
    assert Delivery._meta.get_field("channel").choices == ChannelKind.choices


def test_a_channel_added_to_the_registry_becomes_a_channel_kind_and_delivery_choice():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "khareetaty.settings"},
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["kinds"] == [*CHANNELS, "pigeon"]
    assert seen["label"] == "Carrier pigeon"
    assert seen["field"] == seen["kinds"]


@pytest.fixture
def pigeon(monkeypatch):
    monkeypatch.setitem(CHANNELS, "pigeon", PIGEON)
    test_channels.SENT.clear()
    return test_channels.SENT


@pytest.mark.django_db
def test_a_registered_channel_is_accepted_as_a_preference_and_pages_on_it(
    pigeon, make_user, policy_file
):
    analyst = make_user("analyst", email="duty@example.kw", preferred_language="en")
    analyst.notification_channels = ["pigeon"]
    analyst.full_clean()  # people may prefer any personal channel of the registry
    analyst.save()
    alert = raise_manual("pigeon")
    delivery = alert.deliveries.get()  # the step asks for SMS; no number, so the pigeon
    assert (delivery.channel, delivery.address) == ("pigeon", "duty@example.kw")

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT

    [message] = pigeon
    assert message.text.startswith("[Khareetaty] CRITICAL: Robbery in Hawalli")
    assert message.text.endswith("-- 🐦")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == (DeliveryStatus.SENT, "pigeon-1")


@pytest.mark.django_db
def test_people_may_prefer_only_registered_personal_channels(make_user):
    user = make_user("analyst")
    assert personal_kinds() == ["sms", "whatsapp", "email"]  # the log is for developers
    for wrong in (["log"], ["pigeon"], "sms"):
        user.notification_channels = wrong
        with pytest.raises(ValidationError) as caught:
            user.full_clean()
        assert "notification_channels" in caught.value.message_dict
