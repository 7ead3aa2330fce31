"""Twilio webhooks (status callbacks and SMS replies) and the signed acknowledgement link."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from commands.choices import AckVia, AlertStatus, DeliveryStatus
from commands.models import Delivery, ReplyCode
from commands.services.alerts import alert_resolve
from commands.services.deliveries import ack_link_token, delivery_send
from commands.tests.conftest import AUTH_TOKEN, raise_manual

pytestmark = pytest.mark.django_db

SITE = "https://khareetaty.test"


def signed_post(path: str, params: dict, *, token: str = AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(f"{SITE}{path}", params)
    return APIClient().post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def sent(analyst, fake_twilio):
    alert = raise_manual("webhook-test")
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


def code_of(delivery: Delivery) -> str:
    return ReplyCode.objects.get(alert=delivery.alert, recipient=delivery.recipient).code


def test_an_sms_reply_acknowledges_the_alert_as_the_replying_user(sent, analyst):
    code = code_of(sent)
    response = reply("+96550001234", f" {code.lower()}A ")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert f"Alert {code} is acknowledged" in response.content.decode()
    alert = sent.alert
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == analyst
    assert alert.acknowledged_via == AckVia.SMS


def test_sms_replies_resolve_and_escalate(sent, analyst):
    code = code_of(sent)
    reply("+96550001234", f"{code}e")
    assert sent.alert.events.filter(kind="escalation_forced").count() == 1
    reply("whatsapp:+96550001234", f"{code}r")
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.RESOLVED


def test_unknown_numbers_stale_codes_and_nonsense_are_refused_politely(sent, analyst, make_user):
    code = code_of(sent)
    other = "ZZZZZ" if code != "ZZZZZ" else "YYYYY"
    unknown = reply("+96559999999", f"{code}a").content.decode()
    nonsense = reply("+96550001234", "yes ok").content.decode()
    wrong_code = reply("+96550001234", f"{other}a").content.decode()
    stranger = make_user("analyst", phone_number="+96550005555")
    not_theirs = reply(stranger.phone_number, f"{code}a").content.decode()

    assert "not registered" in unknown and "غير مسجل" in unknown
    assert "did not understand" in nonsense
    assert f"code {other} does not match" in wrong_code
    assert f"الرمز {code} لا يطابق" in not_theirs  # the stranger reads Arabic
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN

    alert_resolve(alert=sent.alert, actor=analyst, now=timezone.now())
    stale = reply("+96550001234", f"{code}a").content.decode()
    assert f"code {code} does not match" in stale


def test_an_inbound_reply_with_a_bad_signature_is_refused(sent):
    response = APIClient().post(
        "/api/commands/twilio/inbound",
        {"From": "+96550001234", "Body": f"{code_of(sent)}a"},
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


# --- the role policy on replies and links ---------------------------------------------------

FIELD_POLICY = """\
version: 1
severities:
  critical:
    steps:
      - after: 0m
        notify: [role:analyst, role:field_supervisor, role:viewer]
        channels: [sms]
"""


@pytest.fixture
def field_sent(analyst, make_user, fake_twilio, settings, tmp_path):
    """A critical alert sent by SMS to an analyst, a field supervisor and a viewer."""
    from commands.policy import policy_reload
    from commands.tests.conftest import write_policy

    field = make_user("field_supervisor", phone_number="+96550007777", preferred_language="en")
    viewer = make_user("viewer", phone_number="+96550008888", preferred_language="en")
    for user in (field, viewer):
        user.notification_channels = ["sms"]
        user.save()
    write_policy(settings, tmp_path, FIELD_POLICY)
    policy_reload()
    alert = raise_manual("field-reply-test")
    deliveries = {d.recipient.role: d for d in alert.deliveries.select_related("recipient")}
    for delivery in deliveries.values():
        delivery_send(delivery_id=delivery.pk, final_attempt=False)
    return deliveries


def test_a_field_supervisor_cannot_resolve_by_sms_and_is_told_so(field_sent):
    delivery = field_sent["field_supervisor"]
    code = code_of(delivery)

    answer = reply("+96550007777", f"{code}r").content.decode()

    assert "your role may not resolve alerts" in answer
    alert = delivery.alert
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    refused = alert.events.get(kind="reply_refused")
    assert refused.data == {"action": "resolve", "reason": "role"}
    assert refused.actor == delivery.recipient
    assert "escalate alerts" in reply("+96550007777", f"{code}e").content.decode()
    assert alert.events.filter(kind="escalation_forced").count() == 0

    assert "is acknowledged" in reply("+96550007777", f"{code}a").content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (
        AlertStatus.ACKNOWLEDGED,
        delivery.recipient,
    )


def test_the_field_message_offers_only_the_actions_the_role_may_take(field_sent, fake_twilio):
    bodies = {m.params["To"]: m.params["Body"] for m in fake_twilio.messages()}
    field_code = code_of(field_sent["field_supervisor"])
    assert f"Reply {field_code}a to acknowledge." in bodies["+96550007777"]
    assert f"{field_code}r" not in bodies["+96550007777"]


def test_reply_codes_are_random_per_recipient_and_not_sequential(field_sent):
    codes = {role: code_of(d) for role, d in field_sent.items()}
    assert len(set(codes.values())) == len(codes)
    for code in codes.values():
        assert len(code) == 5 and code.isalnum() and code.upper() == code
        assert not code.isdigit() or len(code) == 5
    alert = field_sent["analyst"].alert
    # the alert's old sequential number is no reply code any more
    answer = reply("+96550001234", f"{alert.short_code}r").content.decode()
    assert "did not understand" in answer or "does not match" in answer
    # nor is another recipient's code
    answer = reply("+96550001234", f"{codes['field_supervisor']}r").content.decode()
    assert "does not match" in answer
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_guessing_codes_is_cut_off_after_ten_wrong_ones(field_sent):
    for guess in range(10):
        reply("+96550001234", f"B{guess:04d}a")
    answer = reply("+96550001234", f"{code_of(field_sent['analyst'])}a").content.decode()
    assert "too many wrong codes" in answer
    alert = field_sent["analyst"].alert
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_a_signed_link_of_a_role_that_may_not_acknowledge_is_refused(field_sent):
    viewer_link = f"/api/commands/ack/{ack_link_token(field_sent['viewer'])}"
    page = APIClient().get(viewer_link)
    assert page.status_code == 403
    assert "may not acknowledge" in page.content.decode()
    assert "<form" not in page.content.decode()
    refused = APIClient().post(viewer_link)
    assert refused.status_code == 403
    alert = field_sent["viewer"].alert
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN

    field_link = f"/api/commands/ack/{ack_link_token(field_sent['field_supervisor'])}"
    assert APIClient().post(field_link).status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED


def test_a_link_of_a_deactivated_user_is_refused(sent, analyst):
    analyst.is_active = False
    analyst.save()
    assert APIClient().post(f"/api/commands/ack/{ack_link_token(sent)}").status_code == 403
    sent.alert.refresh_from_db()
    assert sent.alert.status == AlertStatus.OPEN
