"""Acting on alerts from outside the app: SMS/WhatsApp reply codes and signed links.

A reply such as ``K7M2Pa`` acts on the active alert whose reply code ``K7M2P`` was sent to
the user whose phone number replied (codes are random, one per alert and recipient), and
only when that user's role may take the action (the same policy as the API: field
supervisors acknowledge, they do not resolve or escalate). Anything else gets a polite
refusal and changes nothing; after too many wrong codes a number is refused for a while.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from commands import texts
from commands.choices import ACTIVE_ALERT_STATUSES, AckVia, AlertEventKind, AlertStatus
from commands.models import Alert, Delivery, ReplyCode
from commands.permissions import alert_action_allowed
from commands.services.alerts import alert_acknowledge, alert_escalate, alert_resolve
from commands.services.deliveries import ack_link_signature
from commands.services.reply_codes import LENGTH as CODE_LENGTH
from commands.services.transitions import Transition, alert_transition
from khareetaty.exceptions import ApplicationError
from khareetaty.throttling import cache_count

User = get_user_model()
_REPLY = re.compile(rf"^\s*#?([0-9A-Za-z]{{{CODE_LENGTH}}})\s*-?\s*([aerAER])\s*[.!]?\s*$")
_ACTION_NAMES = {"a": "acknowledged", "e": "escalated", "r": "resolved"}
_ACTIONS = {"a": "acknowledge", "e": "escalate", "r": "resolve"}
# Wrong codes a number may send per window before replies from it are refused.
_MAX_WRONG_CODES = 10
_WRONG_CODE_WINDOW = 3600


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


def _wrong_code(user) -> None:
    key = f"sms-reply-wrong:{user.pk}"
    cache_count(key, timeout=_WRONG_CODE_WINDOW)


def _too_many_wrong_codes(user) -> bool:
    return (cache.get(f"sms-reply-wrong:{user.pk}") or 0) >= _MAX_WRONG_CODES


def _refuse_role(alert: Alert, user, action: str, code: str, now: datetime) -> None:
    """Record a reply the user's role may not make: on the timeline and in the audit."""
    transition = Transition(
        event=AlertEventKind.REPLY_REFUSED,
        event_data={"action": _ACTIONS[action], "reason": "role"},
        audit="alert_reply_refused",
        audit_summary={"action": _ACTIONS[action], "reason": "role", "code": code},
        advance=False,
    )
    alert_transition(alert=alert, transition=transition, actor=user, now=now)


def _find_alert(user, code: str) -> Alert | None:
    found = (
        ReplyCode.objects.select_related("alert")
        .filter(code=code, recipient=user, alert__status__in=ACTIVE_ALERT_STATUSES)
        .first()
    )
    return found.alert if found else None


def alert_reply(*, from_number: str, body: str, now: datetime | None = None) -> ReplyResult:
    """Handle an inbound SMS/WhatsApp reply and return the text to answer with."""
    now = now or timezone.now()
    number = from_number.removeprefix("whatsapp:").strip()
    user = User.objects.filter(phone_number=number, is_active=True).first() if number else None
    if user is None:
        return ReplyResult(False, _say(texts.REPLY_UNKNOWN_NUMBER, None))
    language = user.preferred_language
    if _too_many_wrong_codes(user):
        return ReplyResult(False, _say(texts.REPLY_TOO_MANY_WRONG, language))
    match = _REPLY.match(body or "")
    if not match:
        return ReplyResult(False, _say(texts.REPLY_NOT_UNDERSTOOD, language))
    code, action = match.group(1).upper(), match.group(2).lower()
    alert = _find_alert(user, code)
    if alert is None:
        _wrong_code(user)
        return ReplyResult(False, _say(texts.REPLY_STALE_CODE.format(code=code), language))
    if not alert_action_allowed(user=user, action=_ACTIONS[action]):
        _refuse_role(alert, user, action, code, now)
        refusal = texts.REPLY_ROLE_REFUSED[action].format(code=code)
        return ReplyResult(False, _say(refusal, language), alert.pk)
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


class AckLinkRefused(ApplicationError):
    status_code = 403
    code = "ack_link_refused"


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
        or delivery.alert_id is None  # an event delivery carries no link
        or not constant_time_compare(signature, ack_link_signature(delivery))
        or delivery.queued_at < now - max_age
    ):
        raise AckLinkInvalid("This acknowledgement link is invalid or has expired.")
    return delivery


def ack_link_usable(*, token: str, now: datetime | None = None) -> Delivery:
    """The link's delivery when its recipient may acknowledge (the API's role policy;
    active users only), else ``AckLinkRefused`` (403) — checked before the page offers
    the button and again when it is pressed."""
    delivery = ack_link_delivery(token=token, now=now)
    if not alert_action_allowed(user=delivery.recipient, action="acknowledge"):
        raise AckLinkRefused("Your role may not acknowledge alerts. No action was taken.")
    return delivery


def alert_acknowledge_by_link(*, token: str, now: datetime | None = None) -> Alert:
    """Acknowledge the alert behind a signed link as the delivery's recipient. Each link
    works once (conditional UPDATE on ``ack_link_used_at``)."""
    now = now or timezone.now()
    delivery = ack_link_usable(token=token, now=now)
    used = Delivery.objects.filter(pk=delivery.pk, ack_link_used_at__isnull=True).update(
        ack_link_used_at=now
    )
    if not used:
        raise AckLinkInvalid("This acknowledgement link has already been used.")
    alert = delivery.alert
    if alert.status != AlertStatus.OPEN:
        return alert
    return alert_acknowledge(alert=alert, actor=delivery.recipient, via=AckVia.LINK, now=now)
