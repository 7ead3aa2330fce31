"""The webhook channel against a real HTTP receiver on 127.0.0.1: signed bodies the
documented recipe verifies, retries on a real Celery worker, permanent failures recorded
and fallen back from, destinations validated, and the registry listing it."""

import json
import re

import pytest
from django.db import transaction

from commands.choices import AlertEventKind, ChannelKind, DeliveryStatus
from commands.models import Alert, Delivery
from commands.notify.registry import CHANNELS, channel_for, personal_kinds
from commands.services.deliveries import SendOutcome, delivery_send
from commands.tasks import MAX_SEND_RETRIES
from commands.tests.webhook_receiver import (
    SECRET,
    documented_recipe,
    raise_alert,
)
from incidents.tests.factories import RegionFactory
from khareetaty.testing import wait_until


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
