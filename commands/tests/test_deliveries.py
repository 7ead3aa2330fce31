"""Sending through the real Twilio SDK (to the fake server) and real SMTP: what was sent,
at most once, retries, permanent failures and fallback to the next channel."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.choices import AlertEventKind, DeliveryStatus
from commands.models import Delivery, ReplyCode
from commands.policy import policy_reload
from commands.services.alerts import alert_resolve
from commands.services.deliveries import SendOutcome, deliveries_fail_stuck, delivery_send
from commands.services.replies import ack_link_delivery
from commands.tests.conftest import ACCOUNT_SID, POLICY, raise_manual, write_policy

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def raise_critical(key="k"):
    return raise_manual(key, now=NOW)


def test_sms_goes_through_the_twilio_sdk_with_reply_code_ack_link_and_callback(
    analyst, fake_twilio
):
    alert = raise_critical()
    delivery = alert.deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT

    [request] = fake_twilio.messages()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.authorization.startswith("Basic ")
    assert request.params["To"] == "+96550001234"
    assert request.params["From"] == "+15005550006"
    assert request.params["StatusCallback"] == (
        f"https://khareetaty.test/api/commands/twilio/status?delivery={delivery.uuid}"
    )
    body = request.params["Body"]
    code = ReplyCode.objects.get(alert=alert, recipient=analyst).code
    assert body.startswith("[Khareetaty] CRITICAL: Robbery in Hawalli")
    assert f"Reply {code}a ack, {code}e escalate, {code}r resolve." in body
    token = body.rsplit("/api/commands/ack/", 1)[1].strip()
    assert ack_link_delivery(token=token) == delivery
    assert len(body) <= 160  # one SMS segment
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_id.startswith("SM")
    assert delivery.attempts == 1


def test_arabic_recipient_gets_the_arabic_text(analyst, fake_twilio):
    analyst.preferred_language = "ar"
    analyst.save()
    delivery = raise_critical().deliveries.get()

    delivery_send(delivery_id=delivery.pk, final_attempt=False)

    body = fake_twilio.messages()[0].params["Body"]
    assert "سطو في حولي" in body
    assert "للرد" in body


def test_whatsapp_goes_to_the_whatsapp_addresses(settings, tmp_path, analyst, fake_twilio):
    write_policy(settings, tmp_path, POLICY.replace("channels: [sms]", "channels: [whatsapp]", 1))
    policy_reload()
    delivery = raise_critical().deliveries.get()

    delivery_send(delivery_id=delivery.pk, final_attempt=False)

    params = fake_twilio.messages()[0].params
    assert params["To"] == "whatsapp:+96550001234"
    assert params["From"] == "whatsapp:+14155238886"
    assert "Robbery in Hawalli" in params["Body"]


def test_email_is_sent_over_smtp_in_html_and_text(settings, tmp_path, analyst, smtp):
    write_policy(settings, tmp_path, POLICY.replace("channels: [sms]", "channels: [email]", 1))
    policy_reload()
    analyst.preferred_language = "ar"
    analyst.save()
    delivery = raise_critical().deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT

    [mail] = smtp.messages
    assert mail["to"] == ["duty@example.kw"]
    message = mail["message"]
    assert message["Subject"].endswith("سطو في حولي")
    assert message["X-Khareetaty-Delivery"] == str(delivery.uuid)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "سطو في حولي" in text
    assert 'dir="rtl"' in html


def test_a_delivery_is_sent_at_most_once_when_the_task_runs_twice(analyst, fake_twilio):
    delivery = raise_critical().deliveries.get()

    first = delivery_send(delivery_id=delivery.pk, final_attempt=False)
    second = delivery_send(delivery_id=delivery.pk, final_attempt=False)

    assert (first, second) == (SendOutcome.SENT, SendOutcome.SKIPPED)
    assert len(fake_twilio.messages()) == 1


def test_a_worker_killed_after_claiming_never_resends(analyst, fake_twilio):
    delivery = raise_critical().deliveries.get()
    # The worker claimed it, the provider accepted the message, then the worker died.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, attempts=1)

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SKIPPED
    assert fake_twilio.messages() == []


def test_provider_500_is_retried_and_the_last_failure_falls_back_to_email(
    analyst, fake_twilio, smtp
):
    fake_twilio.default = ("error", 500, 20500)
    alert = raise_critical()
    delivery = alert.deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.RETRY
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert "Twilio 500" in delivery.last_error

    assert delivery_send(delivery_id=delivery.pk, final_attempt=True) == SendOutcome.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    fallback = Delivery.objects.get(fallback_from=delivery)
    assert (fallback.channel, fallback.address) == ("email", "duty@example.kw")
    assert alert.events.filter(kind=AlertEventKind.DELIVERY_FAILED).count() == 1
    assert alert.events.filter(kind=AlertEventKind.DELIVERY_FALLBACK).count() == 1

    assert delivery_send(delivery_id=fallback.pk, final_attempt=False) == SendOutcome.SENT
    assert [m["to"] for m in smtp.messages] == [["duty@example.kw"]]
    assert len(fake_twilio.messages()) == 2


def test_a_provider_timeout_is_retried(analyst, fake_twilio):
    fake_twilio.script = [("hang", 1.5)]
    delivery = raise_critical().deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.RETRY
    delivery.refresh_from_db()
    assert "Twilio unreachable" in delivery.last_error

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT
    assert len(fake_twilio.messages()) == 2


def test_a_permanent_provider_error_fails_at_once_and_falls_back(analyst, fake_twilio, smtp):
    fake_twilio.script = [("error", 400, 21211)]  # invalid 'To' number
    delivery = raise_critical().deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.FAILED
    assert Delivery.objects.get(fallback_from=delivery).channel == "email"


def test_no_fallback_when_the_preference_list_is_exhausted(analyst, fake_twilio):
    analyst.notification_channels = ["sms"]
    analyst.save()
    fake_twilio.default = ("error", 400, 21211)
    delivery = raise_critical().deliveries.get()

    delivery_send(delivery_id=delivery.pk, final_attempt=False)

    assert not Delivery.objects.filter(fallback_from=delivery).exists()


def test_an_unreachable_channel_is_replaced_by_the_next_preference(analyst, settings):
    settings.TWILIO_ACCOUNT_SID = ""  # SMS is not configured in this deployment
    alert = raise_critical()
    assert [(d.channel, d.address) for d in alert.deliveries.all()] == [
        ("email", "duty@example.kw")
    ]


def test_an_old_message_reports_its_repeat_count(analyst, fake_twilio):
    alert = raise_critical()
    alert.count = 3
    alert.save()
    delivery_send(delivery_id=alert.deliveries.get().pk, final_attempt=False)
    assert "(x3)" in fake_twilio.messages()[0].params["Body"]


def test_a_delivery_stuck_in_sending_is_failed_and_falls_back_without_resending(
    analyst, fake_twilio
):
    delivery = raise_critical().deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=11)
    )

    assert deliveries_fail_stuck() == 1
    assert deliveries_fail_stuck() == 0

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "Outcome unknown" in delivery.last_error
    assert Delivery.objects.get(fallback_from=delivery).channel == "email"
    assert fake_twilio.messages() == []


def test_a_delivery_queued_before_the_alert_was_resolved_is_not_sent(analyst, fake_twilio):
    alert = raise_critical()
    alert_resolve(alert=alert, actor=analyst, note="False alarm")
    delivery = alert.deliveries.get()

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SKIPPED

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "resolved" in delivery.last_error
    assert fake_twilio.messages() == []
    assert not Delivery.objects.filter(fallback_from=delivery).exists()
