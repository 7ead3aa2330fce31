"""Webhook destinations: transient errors, blocked networks, plain http(s) URLs, payload
filters, queueing by a higher app and the audit of a destination change."""

import json
import socket

import pytest
from django.core.exceptions import ValidationError

from commands.choices import AlertSource, Severity
from commands.notify import webhook as webhook_module
from commands.notify.base import ChannelError, OutgoingMessage
from commands.notify.registry import channel_for
from commands.services.alerts import AlertSpec, alert_raise
from commands.services.deliveries import SendOutcome, delivery_send, recipient_channels
from commands.services.webhooks import (
    webhook_deliveries_create,
    webhook_destination_set,
    webhook_secret_generate,
)
from commands.tests.webhook_receiver import (
    SECRET,
    documented_recipe,
    raise_alert,
)
from commands.texts import Bilingual
from khareetaty.audit.models import ActionLog


def message(url: str, secret: str = SECRET) -> OutgoingMessage:
    return OutgoingMessage(to=url, text="{}", reference="ref-1", secret=secret)


def test_timeouts_and_refused_connections_are_transient(settings, receiver):
    channel = channel_for("webhook")
    receiver.script = [("hang", 2.0)]
    with pytest.raises(ChannelError) as timed_out:
        channel.send(message(receiver.url))
    assert not timed_out.value.permanent and "timed out" in timed_out.value.message

    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ChannelError) as refused:
        channel.send(message(f"http://127.0.0.1:{port}/hook"))
    assert not refused.value.permanent and "unreachable" in refused.value.message


def test_a_destination_resolving_into_a_blocked_network_is_refused_before_sending(
    settings, receiver
):
    settings.WEBHOOK_BLOCKED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    channel = channel_for("webhook")
    named = receiver.url.replace("127.0.0.1", "localhost")  # a name, so the form is fine
    with pytest.raises(ChannelError) as refused:
        channel.send(message(named))
    assert refused.value.permanent and "blocked" in refused.value.message
    with pytest.raises(ChannelError) as unsigned:
        channel.send(message(receiver.url.replace("127.0.0.1", "192.0.2.1"), secret=""))
    assert unsigned.value.permanent
    assert receiver.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "ftp://agency.example.kw/hook",
        "file:///etc/passwd",
        "https://user:pass@agency.example.kw/hook",
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "https:///no-host",
        "not a url",
        "https://agency.example.kw/" + "a" * 300,
    ],
)
def test_a_destination_must_be_a_plain_http_url_outside_the_blocked_networks(make_user, url):
    user = make_user("viewer")
    with pytest.raises(ValidationError) as caught:
        webhook_destination_set(recipient=user, url=url, secret=webhook_secret_generate())
    assert "url" in caught.value.message_dict


@pytest.mark.django_db
def test_a_recipient_without_an_active_destination_is_not_reached_by_webhook(make_user):
    user = make_user("viewer", email="someone@example.kw")
    user.notification_channels = ["email"]
    user.save()
    assert recipient_channels(user, ["webhook"]) == [("email", "someone@example.kw")]
    webhook_destination_set(
        recipient=user, url="https://agency.example.kw/hook", secret="x" * 32, is_active=False
    )
    user.refresh_from_db()
    assert recipient_channels(user, ["webhook"]) == [("email", "someone@example.kw")]
    webhook_destination_set(recipient=user, url="https://agency.example.kw/hook", secret="x" * 32)
    user.refresh_from_db()
    assert recipient_channels(user, ["webhook"])[0] == ("webhook", "https://agency.example.kw/hook")


@pytest.mark.django_db
def test_a_registered_payload_filter_trims_the_body_before_it_is_signed(
    agency, receiver, monkeypatch
):
    monkeypatch.setattr(webhook_module, "_payload_filters", [])

    def drop_text(payload: dict, recipient) -> dict:
        assert recipient.get_username() == "agency-ops"
        return {key: value for key, value in payload.items() if key != "text"}

    webhook_module.webhook_payload_filter_register(drop_text)
    delivery = raise_alert().deliveries.get()
    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT

    [request] = receiver.wait_for(1)
    assert "text" not in json.loads(request.body)
    headers = request.headers
    assert documented_recipe()(
        SECRET, headers["X-Khareetaty-Timestamp"], headers["X-Khareetaty-Signature"], request.body
    )


@pytest.mark.django_db
def test_a_higher_app_queues_webhooks_for_named_recipients_without_a_policy_step(
    agency, receiver, make_user, django_capture_on_commit_callbacks
):
    other = make_user("viewer", username="no-hook", email="desk@example.kw")
    other.notification_channels = ["email"]
    other.save()
    spec = AlertSpec(
        severity=Severity.HIGH,
        title=Bilingual("Hotspot", "بؤرة"),
        message=Bilingual("", ""),
        dedup_key="interop-sub",
        source=AlertSource.MANUAL,
    )
    alert, _ = alert_raise(spec=spec, cooldown_minutes=0)  # the policy pages nobody for high

    with django_capture_on_commit_callbacks() as callbacks:
        created = webhook_deliveries_create(
            alert=alert, usernames=["agency-ops", "no-hook"], key="interop:sub-7"
        )

    assert [(d.channel, d.address, d.step_key) for d in created] == [
        ("webhook", receiver.url, "interop:sub-7"),
        ("email", "desk@example.kw", "interop:sub-7"),  # no destination: its preference
    ]
    assert len(callbacks) == 2  # one send task each, after commit


@pytest.mark.django_db
def test_setting_a_destination_is_audited_without_the_secret(make_user):
    user = make_user("viewer", username="agency-kfd")
    webhook_destination_set(recipient=user, url="https://kfd.example.kw/hook", secret=SECRET)
    entry = ActionLog.objects.filter(action="webhook_destination_set").latest("pk")
    assert entry.summary["url"] == "https://kfd.example.kw/hook"
    assert SECRET not in json.dumps(entry.summary)
