"""Acting on alerts from outside the app: SMS/WhatsApp reply codes and signed links.

A reply such as ``3a`` acts on the active alert with reply code 3 as the user whose phone
number sent it, provided that user was notified of that alert. Anything else gets a polite
refusal and changes nothing.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from commands import texts
from commands.choices import ACTIVE_ALERT_STATUSES, AckVia, AlertStatus
from commands.models import Alert, Delivery
from commands.services.alerts import alert_acknowledge, alert_escalate, alert_resolve
from commands.services.deliveries import ack_link_signature
from khareetaty.exceptions import ApplicationError

User = get_user_model()
_REPLY = re.compile(r"^\s*#?(\d{1,6})\s*([aerAER])\s*[.!]?\s*$")
_ACTION_NAMES = {"a": "acknowledged", "e": "escalated", "r": "resolved"}


@dataclass(frozen=True)
class ReplyResult:
    ok: bool
    text: str
    alert_id: int | None = None


def _say(message: texts.Bilingual, language: str | None) -> str:
    if language == "ar":
        return message.ar
    if language == "en":
        return message.en
    return f"{message.ar}\n{message.en}"


def _apply(alert: Alert, user, action: str, now: datetime) -> None:
    if action == "a":
        alert_acknowledge(alert=alert, actor=user, via=AckVia.SMS, now=now)
    elif action == "e":
        alert_escalate(alert=alert, actor=user, now=now)
    else:
        alert_resolve(
            alert=alert, actor=user, note="Resolved by SMS reply.", via=AckVia.SMS, now=now
        )


def alert_reply(*, from_number: str, body: str, now: datetime | None = None) -> ReplyResult:
    """Handle an inbound SMS/WhatsApp reply and return the text to answer with."""
    now = now or timezone.now()
    number = from_number.removeprefix("whatsapp:").strip()
    user = User.objects.filter(phone_number=number, is_active=True).first() if number else None
    if user is None:
        return ReplyResult(False, _say(texts.REPLY_UNKNOWN_NUMBER, None))
    language = user.preferred_language
    match = _REPLY.match(body or "")
    if not match:
        return ReplyResult(False, _say(texts.REPLY_NOT_UNDERSTOOD, language))
    code, action = int(match.group(1)), match.group(2).lower()
    alert = (
        Alert.objects.filter(short_code=code, status__in=ACTIVE_ALERT_STATUSES)
        .filter(pk__in=Delivery.objects.filter(recipient=user).values("alert_id"))
        .first()
    )
    if alert is None:
        return ReplyResult(False, _say(texts.REPLY_STALE_CODE.format(code=code), language))
    try:
        _apply(alert, user, action, now)
    except ApplicationError:
        alert.refresh_from_db()
        refusal = texts.REPLY_NOT_ALLOWED.format(
            code=code, action=_ACTION_NAMES[action], status=alert.get_status_display()
        )
        return ReplyResult(False, _say(refusal, language), alert.pk)
    return ReplyResult(True, _say(texts.REPLY_DONE[action].format(code=code), language), alert.pk)


class AckLinkInvalid(ApplicationError):
    status_code = 404
    code = "ack_link_invalid"


def ack_link_delivery(*, token: str, now: datetime | None = None) -> Delivery:
    """The delivery a signed acknowledgement link names (bad, expired → ``AckLinkInvalid``)."""
    now = now or timezone.now()
    max_age = timedelta(hours=getattr(settings, "ALERT_ACK_LINK_MAX_AGE_HOURS", 72))
    delivery_id, _sep, signature = token.partition("-")
    delivery = (
        Delivery.objects.select_related("alert", "recipient").filter(pk=int(delivery_id)).first()
        if delivery_id.isdigit()
        else None
    )
    if (
        delivery is None
        or not constant_time_compare(signature, ack_link_signature(delivery))
        or delivery.queued_at < now - max_age
    ):
        raise AckLinkInvalid("This acknowledgement link is invalid or has expired.")
    return delivery


def alert_acknowledge_by_link(*, token: str, now: datetime | None = None) -> Alert:
    """Acknowledge the alert behind a signed link as the delivery's recipient. Each link
    works once (conditional UPDATE on ``ack_link_used_at``)."""
    now = now or timezone.now()
    delivery = ack_link_delivery(token=token, now=now)
    used = Delivery.objects.filter(pk=delivery.pk, ack_link_used_at__isnull=True).update(
        ack_link_used_at=now
    )
    if not used:
        raise AckLinkInvalid("This acknowledgement link has already been used.")
    alert = delivery.alert
    if alert.status != AlertStatus.OPEN:
        return alert
    return alert_acknowledge(alert=alert, actor=delivery.recipient, via=AckVia.LINK, now=now)
