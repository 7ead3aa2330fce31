"""Deliveries: who gets which message on which channel and when, sending at most once,
provider status callbacks, and falling back to the recipient's next channel after a failure.

Quiet hours: a delivery of a non-critical alert to someone inside their quiet hours
(``commands.services.quiet_hours``) is written at once with ``hold_until`` = the end of the
quiet hours and its send task is scheduled for that time (Celery ETAs in hops of at most
45 minutes; a send that wakes earlier re-schedules itself), so the page arrives when the
quiet hours end. Critical alerts always go through at once: a command center must not
sleep through a critical incident. The rule follows the alert's severity only (a forced
escalation of a high alert is held too); a held delivery of an alert resolved or
suppressed meanwhile is not sent, like any queued one, and fallbacks (after a failed send)
are not held again.

The flow follows HC's ``Channel.notify``: write the ``Delivery`` row first, send outside
any transaction, then record the outcome with a conditional UPDATE.
"""

import logging
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from commands.choices import AlertEventKind, AlertStatus, DeliveryStatus, Severity
from commands.dispatch import announce_alert, enqueue
from commands.models import Alert, Delivery
from commands.notify.base import ChannelError, Notice, OutgoingMessage, absolute_url
from commands.notify.registry import CHANNELS, channel_for
from commands.permissions import alert_action_allowed
from commands.services.quiet_hours import quiet_hours_end
from commands.services.reply_codes import reply_code_for
from commands.services.timeline import alert_event

logger = logging.getLogger(__name__)
User = get_user_model()

ACK_LINK_SALT = "commands.alert-ack"


class SendOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # another run already claimed it: the at-most-once guard
    RETRY = "retry"
    HELD = "held"  # quiet hours: re-scheduled for ``hold_until``
    FAILED = "failed"


def _address(user, kind: str) -> str:
    """The user's address on channel ``kind``, or "" when unusable (not configured, no
    phone number…)."""
    if kind not in CHANNELS:
        return ""
    channel = channel_for(kind)
    if not channel.is_configured():
        return ""
    return channel.address_for(user)


def step_recipients(step: dict) -> list:
    """Active users named by a step's ``notify`` targets (roles, team codes, usernames)."""
    wanted = {"role": [], "team": [], "user": []}
    for target in step["notify"]:
        wanted[target["type"]].append(target["value"])
    match = (
        Q(role__in=wanted["role"])
        | Q(teams__slug__in=wanted["team"], teams__is_active=True)
        | Q(username__in=wanted["user"])
    )
    ids = User.objects.filter(match, is_active=True).values_list("pk", flat=True).distinct()
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def recipient_channels(user, wanted: list[str]) -> list[tuple[str, str]]:
    """``(channel, address)`` pairs for one recipient: the step's channels (or the user's
    first preference), each replaced by the user's next usable preference when the user
    cannot be reached on it."""
    preferences = [c for c in (user.notification_channels or []) if c in CHANNELS]
    chosen: list[tuple[str, str]] = []
    for kind in wanted or preferences[:1]:
        candidates = [kind] + [c for c in preferences if c not in wanted]
        for candidate in candidates:
            address = _address(user, candidate)
            if address and candidate not in {c for c, _a in chosen}:
                chosen.append((candidate, address))
                break
    return chosen


def deliveries_create_for_step(
    *, alert: Alert, step: dict, step_key: str, now: datetime | None = None
) -> list[Delivery]:
    """Queue one delivery per recipient per channel for an escalation step; the send
    tasks are enqueued when the transaction commits, or for the end of the recipient's
    quiet hours when the alert is not critical."""
    now = now or timezone.now()
    created = []
    for user in step_recipients(step):
        hold_until = None
        if alert.severity != Severity.CRITICAL:
            hold_until = quiet_hours_end(user=user, now=now)
        for kind, address in recipient_channels(user, step.get("channels") or []):
            delivery = Delivery.objects.create(
                alert=alert,
                recipient=user,
                channel=kind,
                address=address,
                language=user.preferred_language or settings.LANGUAGE_CODE,
                step_key=step_key,
                hold_until=hold_until,
            )
            _enqueue_send(delivery, now)
            created.append(delivery)
    return created


def _enqueue_send(delivery: Delivery, now: datetime) -> None:
    wait = (delivery.hold_until - now).total_seconds() if delivery.hold_until else 0
    if wait > 0:
        logger.info("delivery %s held for quiet hours until %s", delivery.pk, delivery.hold_until)
    # Hops shorter than the Redis broker's visibility timeout (1 hour): a Celery ETA beyond
    # it is redelivered, and run again, every hour. A hop that wakes early re-schedules.
    hop = float(getattr(settings, "COMMANDS_HOLD_HOP_SECONDS", 45 * 60))
    countdown = min(wait, hop) if wait > 0 else None
    enqueue("delivery_send", delivery.pk, countdown=countdown)


def ack_link_token(delivery: Delivery) -> str:
    """A short signed token naming the delivery (``<id>-<80-bit HMAC of its UUID>``), short
    enough to keep an SMS in one segment; it acknowledges the alert once."""
    return f"{delivery.pk}-{ack_link_signature(delivery)}"


def ack_link_signature(delivery: Delivery) -> str:
    return salted_hmac(ACK_LINK_SALT, str(delivery.uuid), algorithm="sha256").hexdigest()[:20]


def delivery_message(delivery: Delivery) -> OutgoingMessage:
    """The delivery's message, rendered by its channel in the recipient's language."""
    language = delivery.language if delivery.language in ("ar", "en") else "en"
    channel = channel_for(delivery.channel)
    with translation.override(language):
        notice = Notice(
            to=delivery.address,
            reference=str(delivery.uuid),
            language=language,
            context=_message_context(delivery, language),
            secret=channel.secret_for(delivery.recipient),
        )
        return channel.render(notice)


def _message_context(delivery: Delivery, language: str) -> dict:
    """What every channel's template may use (rendered in the active language); an event
    delivery (no alert) carries only its event, for the webhook channel."""
    alert = delivery.alert
    if alert is None:
        return {"event": dict(delivery.event), "recipient": delivery.recipient}
    ack_path = reverse("commands_api:alert-ack-link", args=[ack_link_token(delivery)])
    return {
        "alert": alert,
        "recipient": delivery.recipient,
        "title": alert.title_for(language),
        "message": alert.message_for(language),
        "severity": str(alert.get_severity_display()),
        "code": reply_code_for(alert=alert, recipient=delivery.recipient),
        "can_escalate": alert_action_allowed(user=delivery.recipient, action="escalate"),
        "can_resolve": alert_action_allowed(user=delivery.recipient, action="resolve"),
        "count": alert.count,
        "ack_url": absolute_url(ack_path),
    }


def delivery_send(*, delivery_id: int, final_attempt: bool) -> SendOutcome:
    """Send one delivery, at most once.

    The worker first claims the row (``queued`` → ``sending``, conditional UPDATE); a second
    run of the same task finds nothing to claim and returns ``SKIPPED``, whether the first
    run is still sending, finished, or was killed after the provider accepted the message.
    A transient error puts the row back to ``queued`` and returns ``RETRY``; a permanent one,
    or the last attempt, marks it failed and falls back to the next channel. A delivery held
    for quiet hours is not claimed before ``hold_until``: it is re-scheduled (``HELD``).
    """
    now = timezone.now()
    if _still_held(delivery_id, now):
        return SendOutcome.HELD
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now
    )
    if not claimed:
        return SendOutcome.SKIPPED
    delivery = Delivery.objects.select_related("alert", "recipient").get(pk=delivery_id)
    if delivery.alert is not None and delivery.alert.status in (
        AlertStatus.RESOLVED,
        AlertStatus.SUPPRESSED,
    ):
        # Resolved or suppressed while queued: a late page would only be noise.
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED,
            failed_at=now,
            last_error=f"Not sent: the alert was {delivery.alert.status} before sending.",
        )
        return SendOutcome.SKIPPED
    return _send_claimed(delivery, final_attempt=final_attempt)


def _still_held(delivery_id: int, now: datetime) -> bool:
    """True, with the send re-scheduled, when the queued delivery is held past ``now``."""
    held = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.QUEUED, hold_until__gt=now
    ).first()
    if held is not None:
        _enqueue_send(held, now)
    return held is not None


def _send_claimed(delivery: Delivery, *, final_attempt: bool) -> SendOutcome:
    delivery_id = delivery.pk
    try:
        message = delivery_message(delivery)
        provider_id = channel_for(delivery.channel).send(message)
    except ChannelError as exc:
        if not exc.permanent and not final_attempt:
            Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.QUEUED, last_error=exc.message, updated_at=timezone.now()
            )
            return SendOutcome.RETRY
        delivery_fail(delivery_id=delivery_id, error=exc.message)
        return SendOutcome.FAILED
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        provider_id=provider_id or "",
        sent_at=timezone.now(),
        last_error="",
    )
    return SendOutcome.SENT


@transaction.atomic
def delivery_fail(*, delivery_id: int, error: str, now: datetime | None = None) -> Delivery | None:
    """Mark a delivery failed (once) and try the recipient's next preferred channel."""
    now = now or timezone.now()
    updated = Delivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.SENDING, DeliveryStatus.SENT]
    ).update(status=DeliveryStatus.FAILED, failed_at=now, last_error=error[:2000], updated_at=now)
    if not updated:
        return None
    delivery = Delivery.objects.select_related("alert", "recipient").get(pk=delivery_id)
    if delivery.alert is None:
        return None  # an event delivery: recorded as failed, no alert timeline, no fallback
    alert_event(
        alert=delivery.alert,
        kind=AlertEventKind.DELIVERY_FAILED,
        now=now,
        delivery=str(delivery.uuid),
        channel=delivery.channel,
        recipient=delivery.recipient.get_username(),
        error=error[:500],
    )
    fallback = _fallback(delivery, now)
    announce_alert(delivery.alert_id)
    return fallback


def _fallback(delivery: Delivery, now: datetime) -> Delivery | None:
    user = delivery.recipient
    preferences = [c for c in (user.notification_channels or []) if c in CHANNELS]
    start = preferences.index(delivery.channel) + 1 if delivery.channel in preferences else 0
    tried = set(
        Delivery.objects.filter(
            alert=delivery.alert, recipient=user, step_key=delivery.step_key
        ).values_list("channel", flat=True)
    )
    for kind in preferences[start:]:
        address = _address(user, kind)
        if kind in tried or not address:
            continue
        fallback = Delivery.objects.create(
            alert=delivery.alert,
            recipient=user,
            channel=kind,
            address=address,
            language=delivery.language,
            step_key=delivery.step_key,
            fallback_from=delivery,
        )
        alert_event(
            alert=delivery.alert,
            kind=AlertEventKind.DELIVERY_FALLBACK,
            now=now,
            recipient=user.get_username(),
            **{"from": delivery.channel, "to": kind},
        )
        enqueue("delivery_send", fallback.pk)
        return fallback
    return None


_TWILIO_STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "sent": DeliveryStatus.SENT,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
}


def delivery_provider_status(
    *, delivery_uuid: str, provider_status: str, error_code: str = "", message_sid: str = ""
) -> Delivery | None:
    """Apply a Twilio status callback. Statuses only move forward; ``failed`` and
    ``undelivered`` fail the delivery and fall back to the next channel."""
    try:
        delivery = Delivery.objects.filter(uuid=uuid.UUID(str(delivery_uuid))).first()
    except ValueError:
        delivery = None
    if delivery is None:
        return None
    now = timezone.now()
    status = _TWILIO_STATUSES.get(provider_status)
    rows = Delivery.objects.filter(pk=delivery.pk)
    rows.update(provider_status=provider_status[:32], updated_at=now)
    if message_sid and not delivery.provider_id:
        rows.filter(provider_id="").update(provider_id=message_sid[:100])
    if status == DeliveryStatus.DELIVERED:
        rows.filter(status__in=[DeliveryStatus.SENDING, DeliveryStatus.SENT]).update(
            status=DeliveryStatus.DELIVERED, delivered_at=now
        )
    elif status == DeliveryStatus.SENT:
        rows.filter(status=DeliveryStatus.SENDING).update(status=DeliveryStatus.SENT, sent_at=now)
    elif status == DeliveryStatus.FAILED:
        error = f"Twilio reported {provider_status}" + (
            f" (error {error_code})" if error_code else ""
        )
        delivery_fail(delivery_id=delivery.pk, error=error, now=now)
    delivery.refresh_from_db()
    return delivery


def deliveries_fail_stuck(
    *, now: datetime | None = None, older_than: timedelta | None = None
) -> int:
    """Deliveries claimed long ago and still ``sending`` belong to a worker that died: the
    provider may or may not have the message, so it is never re-sent on the same channel;
    it is marked failed (outcome unknown) and the recipient's next channel is tried."""
    now = now or timezone.now()
    older_than = older_than or timedelta(
        minutes=getattr(settings, "COMMANDS_STUCK_SEND_MINUTES", 10)
    )
    stuck = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - older_than
    ).values_list("pk", flat=True)
    ids = list(stuck)
    for delivery_id in ids:
        delivery_fail(
            delivery_id=delivery_id, error="Outcome unknown: the sending worker was lost.", now=now
        )
    return len(ids)
