"""The webhook channel against a real HTTP receiver on 127.0.0.1: signed bodies the
documented recipe verifies, retries on a real Celery worker, permanent failures recorded
and fallen back from, destinations validated, and the registry listing it."""

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commands.choices import AlertEventKind, AlertSource, ChannelKind, DeliveryStatus, Severity
from commands.models import Alert, Delivery
from commands.notify import webhook as webhook_module
from commands.notify.base import ChannelError, OutgoingMessage
from commands.notify.registry import CHANNELS, channel_for, personal_kinds
from commands.services.alerts import AlertSpec, alert_raise
from commands.services.deliveries import SendOutcome, delivery_send, recipient_channels
from commands.services.webhooks import (
    webhook_deliveries_create,
    webhook_destination_set,
    webhook_secret_generate,
)
from commands.tasks import MAX_SEND_RETRIES
from commands.tests.conftest import write_policy
from commands.texts import Bilingual
from incidents.tests.factories import RegionFactory
from khareetaty.audit.models import ActionLog

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-for-tests-0123456789abcdef"

POLICY = """\
version: 1
stop_on: [acknowledged, resolved]
severities:
  critical:
    steps:
      - after: 0m
        notify: [user:agency-ops]
        channels: [webhook]
  high: {steps: []}
  medium: {steps: []}
  low: {steps: []}
"""


def documented_recipe():
    """The verification function exactly as docs/webhooks.md prints it."""
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    [code] = [
        block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in block
    ]
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own doc
    return namespace["verify_khareetaty_webhook"]


@dataclass
class Received:
    headers: dict
    body: bytes
    at: float


@dataclass
class Receiver:
    """A partner's endpoint: records each POST, answers from ``script`` (status codes or
    ``("hang", seconds)``), then ``default``."""

    server: HTTPServer
    script: list = field(default_factory=list)
    default: object = 200
    requests: list[Received] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return self.server.url_for("/hooks/khareetaty")

    def respond(self, http: Request) -> Response:
        with self.lock:
            action = self.script.pop(0) if self.script else self.default
            self.requests.append(Received(dict(http.headers), http.get_data(), time.monotonic()))
            self.lock.notify_all()
        if isinstance(action, tuple):
            time.sleep(action[1])
            action = 200
        headers = {"Location": self.server.url_for("/elsewhere")} if action == 302 else {}
        return Response("{}", status=action, headers=headers, content_type="application/json")

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_BLOCKED_NETWORKS = []  # the receiver is on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://khareetaty.test"
    server = HTTPServer(host="127.0.0.1", threaded=True)
    fake = Receiver(server=server)
    server.expect_request("/hooks/khareetaty", method="POST").respond_with_handler(fake.respond)
    server.expect_request("/elsewhere").respond_with_data("moved here")
    server.start()
    yield fake
    server.clear()
    server.stop()


@pytest.fixture
def agency(make_user, settings, tmp_path, receiver):
    """A partner's service account with a webhook destination; email is its fallback."""
    write_policy(settings, tmp_path, POLICY)
    user = make_user("viewer", username="agency-ops", email="ops@agency.example.kw")
    user.set_unusable_password()
    user.preferred_language = "en"
    user.notification_channels = ["email"]
    user.save()
    webhook_destination_set(recipient=user, url=receiver.url, secret=SECRET)
    return user


def raise_alert(region=None) -> Alert:
    spec = AlertSpec(
        severity=Severity.CRITICAL,
        title=Bilingual("Robbery in Hawalli", "سطو في حولي"),
        message=Bilingual("Severity 5 robbery.", "بلاغ سطو."),
        dedup_key="webhook-test",
        source=AlertSource.MANUAL,
        region_id=region.pk if region else None,
    )
    alert, _ = alert_raise(spec=spec, cooldown_minutes=0)
    return alert


def wait_until(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_the_registry_lists_webhook_as_a_non_personal_channel_kind():
    assert CHANNELS["webhook"] == "commands.notify.webhook.WebhookChannel"
    assert "webhook" in ChannelKind.values
    assert channel_for("webhook").kind == "webhook"
    assert "webhook" not in personal_kinds()


@pytest.mark.django_db
def test_a_webhook_is_signed_so_the_documented_recipe_verifies_it(agency, receiver):
    region = RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")
    alert = raise_alert(region=region)
    delivery = alert.deliveries.get()
    assert (delivery.channel, delivery.address) == ("webhook", receiver.url)

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT

    [request] = receiver.wait_for(1)
    verify = documented_recipe()
    timestamp = request.headers["X-Khareetaty-Timestamp"]
    signature = request.headers["X-Khareetaty-Signature"]
    assert re.fullmatch(r"v1=[0-9a-f]{64}", signature)
    assert verify(SECRET, timestamp, signature, request.body)
    assert not verify(SECRET, timestamp, signature, request.body.replace(b"Hawalli", b"Jahra"))
    assert not verify("another-secret", timestamp, signature, request.body)
    assert not verify(SECRET, timestamp, signature, request.body, now=int(timestamp) + 301)
    assert request.headers["X-Khareetaty-Delivery"] == str(delivery.uuid)

    body = json.loads(request.body)
    assert body["event"] == "alert" and body["delivery"] == str(delivery.uuid)
    assert body["alert"]["id"] == alert.pk and body["alert"]["severity"] == "critical"
    assert body["alert"]["title"] == "Robbery in Hawalli"
    assert body["alert"]["status"] == "open"
    assert body["alert"]["region"] == {"code": "hawalli", "name": "Hawalli"}
    assert body["alert"]["first_seen_at"] == alert.first_seen_at.isoformat()
    assert body["alert"]["url"] == f"https://khareetaty.test/api/commands/alerts/{alert.pk}"
    assert body["text"].startswith("[Khareetaty] CRITICAL: Robbery in Hawalli")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_transient_answers_with_backoff_then_succeeds(
    agency, receiver, fast_retries, alerts_worker
):
    receiver.script = [503, 429, ("hang", 1.5)]  # then 200
    with transaction.atomic():
        alert = raise_alert()  # the send task is enqueued on commit
    delivery = alert.deliveries.get()

    wait_until(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT)

    delivery.refresh_from_db()
    assert delivery.attempts == 4 and delivery.last_error == ""
    received = receiver.wait_for(4)
    assert len(received) == 4
    verify = documented_recipe()
    for request in received:  # every attempt is signed afresh, the body stays the same
        headers = request.headers
        assert verify(
            SECRET,
            headers["X-Khareetaty-Timestamp"],
            headers["X-Khareetaty-Signature"],
            request.body,
        )
        assert headers["X-Khareetaty-Delivery"] == str(delivery.uuid)
    assert not Delivery.objects.filter(fallback_from=delivery).exists()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_down_for_every_retry_fails_then_falls_back_on_the_worker(
    agency, receiver, smtp, fast_retries, alerts_worker
):
    receiver.default = 502
    with transaction.atomic():
        alert = raise_alert()
    delivery = alert.deliveries.get()

    fallback = wait_until(lambda: Delivery.objects.filter(fallback_from=delivery).first())
    wait_until(lambda: smtp.messages)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1 + MAX_SEND_RETRIES == len(receiver.requests)
    assert "HTTP 502" in delivery.last_error
    assert fallback.channel == "email" and smtp.messages[0]["to"] == ["ops@agency.example.kw"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_refusal_is_recorded_as_failed_at_once_and_falls_back(
    agency, receiver, status, django_capture_on_commit_callbacks
):
    receiver.default = status
    alert = raise_alert()
    delivery = alert.deliveries.get()

    with django_capture_on_commit_callbacks(execute=False):
        outcome = delivery_send(delivery_id=delivery.pk, final_attempt=False)

    assert outcome == SendOutcome.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert f"HTTP {status}" in delivery.last_error
    assert alert.events.filter(kind=AlertEventKind.DELIVERY_FAILED).count() == 1
    fallback = Delivery.objects.get(fallback_from=delivery)  # the same rule as every channel
    assert (fallback.channel, fallback.address) == ("email", "ops@agency.example.kw")


@pytest.mark.django_db
def test_a_redirect_is_not_followed_and_fails_for_good(agency, receiver):
    receiver.default = 302
    delivery = raise_alert().deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.FAILED

    delivery.refresh_from_db()
    assert "redirect" in delivery.last_error
    assert len(receiver.requests) == 1
    assert [path for path, _response in receiver.server.log if "elsewhere" in path.path] == []


@pytest.mark.django_db
def test_transient_answers_put_the_delivery_back_in_the_queue(agency, receiver):
    for status in (500, 503, 408, 429):
        receiver.script = [status]
        delivery = raise_alert().deliveries.latest("pk")
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)

        assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.RETRY

        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.QUEUED and f"HTTP {status}" in delivery.last_error
        Alert.objects.filter(pk=delivery.alert_id).update(status="resolved")


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
