"""Twilio webhooks (status callbacks and SMS replies) and the signed acknowledgement link."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from commands.choices import AckVia, AlertSource, AlertStatus, DeliveryStatus, Severity
from commands.models import Delivery
from commands.services.alerts import AlertSpec, alert_raise, alert_resolve
from commands.services.deliveries import ack_link_token, delivery_send
from commands.tests.conftest import AUTH_TOKEN
from commands.texts import Bilingual

pytestmark = pytest.mark.django_db

SITE = "https://khareetaty.test"


def signed_post(path: str, params: dict, *, token: str = AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(f"{SITE}{path}", params)
    return APIClient().post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def analyst(make_user, policy_file):
    user = make_user(
        "analyst", phone_number="+96550001234", email="duty@example.kw", preferred_language="en"
    )
    user.notification_channels = ["sms", "email"]
    user.save()
    return user


@pytest.fixture
def sent(analyst, fake_twilio):
    spec = AlertSpec(
        severity=Severity.CRITICAL,
        title=Bilingual("Robbery in Hawalli", "سطو في حولي"),
        message=Bilingual("Severity 5.", "خطورة 5."),
        dedup_key="webhook-test",
        source=AlertSource.MANUAL,
    )
    alert, _ = alert_raise(spec=spec, cooldown_minutes=0)
    delivery = alert.deliveries.get()
    delivery_send(delivery_id=delivery.pk, final_attempt=False)
    delivery.refresh_from_db()
    return delivery


# --- status callbacks -------------------------------------------------------------------


def test_a_signed_delivered_callback_marks_the_delivery_delivered(sent):
    path = f"/api/commands/twilio/status?delivery={sent.uuid}"
    response = signed_post(path, {"MessageSid": sent.provider_id, "MessageStatus": "delivered"})

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED
    assert sent.delivered_at is not None


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(sent):
    path = f"/api/commands/twilio/status?delivery={sent.uuid}"
    response = signed_post(path, {"MessageStatus": "delivered"}, token="wrong-token")
    assert response.status_code == 403

    unsigned = APIClient().post(path, {"MessageStatus": "delivered"})
    assert unsigned.status_code == 403
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.SENT


def test_a_signed_callback_for_an_unknown_delivery_still_gets_200(sent):
    for query in ("?delivery=00000000-0000-0000-0000-000000000000", "?delivery=garbage", ""):
        path = f"/api/commands/twilio/status{query}"
        assert signed_post(path, {"MessageStatus": "delivered"}).status_code == 200


def test_an_undelivered_callback_fails_the_delivery_and_falls_back(sent):
    path = f"/api/commands/twilio/status?delivery={sent.uuid}"
    signed_post(path, {"MessageStatus": "undelivered", "ErrorCode": "30003"})

    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.FAILED
    assert "30003" in sent.last_error
    assert Delivery.objects.get(fallback_from=sent).channel == "email"


def test_webhooks_are_off_until_twilio_is_configured(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    assert APIClient().post("/api/commands/twilio/status", {}).status_code == 404
    assert APIClient().post("/api/commands/twilio/inbound", {}).status_code == 404


# --- SMS replies ----------------------------------------------------------------------------


def reply(number: str, body: str):
    return signed_post("/api/commands/twilio/inbound", {"From": number, "Body": body})


def test_an_sms_reply_acknowledges_the_alert_as_the_replying_user(sent, analyst):
    code = sent.alert.short_code
    response = reply("+96550001234", f" {code}A ")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert f"Alert {code} is acknowledged" in response.content.decode()
    alert = sent.alert
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == analyst
    assert alert.acknowledged_via == AckVia.SMS


def test_sms_replies_resolve_and_escalate(sent, analyst):
    code = sent.alert.short_code
    reply("+96550001234", f"{code}e")
    assert sent.alert.events.filter(kind="escalation_forced").count() == 1
    reply("whatsapp:+96550001234", f"{code}r")
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.RESOLVED


def test_unknown_numbers_stale_codes_and_nonsense_are_refused_politely(sent, analyst, make_user):
    code = sent.alert.short_code
    unknown = reply("+96559999999", f"{code}a").content.decode()
    nonsense = reply("+96550001234", "yes ok").content.decode()
    wrong_code = reply("+96550001234", f"{code + 40}a").content.decode()
    stranger = make_user("analyst", phone_number="+96550005555")
    not_theirs = reply(stranger.phone_number, f"{code}a").content.decode()

    assert "not registered" in unknown and "غير مسجل" in unknown
    assert "did not understand" in nonsense
    assert f"code {code + 40} does not match" in wrong_code
    assert f"الرمز {code} لا يطابق" in not_theirs  # the stranger reads Arabic
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN

    alert_resolve(alert=sent.alert, actor=analyst, now=timezone.now())
    stale = reply("+96550001234", f"{code}a").content.decode()
    assert f"code {code} does not match" in stale


def test_an_inbound_reply_with_a_bad_signature_is_refused(sent):
    response = APIClient().post(
        "/api/commands/twilio/inbound",
        {"From": "+96550001234", "Body": f"{sent.alert.short_code}a"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert response.status_code == 403
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN


# --- signed link ----------------------------------------------------------------------------


def test_the_signed_link_acknowledges_once_after_confirmation(sent, analyst):
    path = f"/api/commands/ack/{ack_link_token(sent)}"
    client = APIClient()

    page = client.get(path)
    assert page.status_code == 200
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN  # link scanners cannot acknowledge

    assert client.post(path).status_code == 200
    sent.alert.refresh_from_db()
    assert (sent.alert.status, sent.alert.acknowledged_by, sent.alert.acknowledged_via) == (
        AlertStatus.ACKNOWLEDGED,
        analyst,
        AckVia.LINK,
    )
    assert client.post(path).status_code == 404


def test_a_tampered_link_is_refused(sent):
    token = ack_link_token(sent)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert APIClient().post(f"/api/commands/ack/{forged}").status_code == 404
    assert APIClient().post("/api/commands/ack/nonsense").status_code == 404
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN
