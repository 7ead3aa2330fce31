"""Webhook destinations: where the ``webhook`` channel reaches a recipient (a service
account a higher app keeps for a partner system)."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from commands.dispatch import enqueue
from commands.models import Alert, Delivery, WebhookDestination
from commands.notify.registry import channel_for
from commands.services.deliveries import deliveries_create_for_step
from khareetaty.audit.services import audit_record


def webhook_secret_generate() -> str:
    """A new signing secret (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def webhook_destination_set(
    *, recipient, url: str, secret: str, is_active: bool = True, actor=None
) -> WebhookDestination:
    """Create or replace ``recipient``'s webhook destination (URL, secret, active), validated
    (http(s) only, no credentials in the URL, no blocked network) and audited (never the
    secret). Queued deliveries are signed with the secret current when they are sent."""
    destination = WebhookDestination.objects.filter(recipient=recipient).first()
    destination = destination or WebhookDestination(recipient=recipient)
    destination.url, destination.secret, destination.is_active = url, secret, is_active
    destination.full_clean()
    destination.save()
    audit_record(
        action="webhook_destination_set",
        actor=actor,
        obj=destination,
        summary={"recipient": recipient.get_username(), "url": url, "active": is_active},
    )
    return destination


def webhook_deliveries_create(*, alert: Alert, usernames: list[str], key: str) -> list[Delivery]:
    """Queue a webhook delivery of ``alert`` to each named active recipient, as an
    escalation step with ``channels: [webhook]`` would: sent when the transaction commits,
    retried and fallen back from like any delivery; a recipient without an active
    destination gets its first usable preference instead, as on every channel. ``key``
    names the cause (e.g. ``interop:sub-7``): it is the deliveries' ``step_key``, which
    scopes their fallbacks."""
    notify = [{"type": "user", "value": name} for name in usernames]
    step = {"notify": notify, "channels": ["webhook"]}
    return deliveries_create_for_step(alert=alert, step=step, step_key=key)


def webhook_event_deliveries_create(
    *, event: dict, usernames: list[str], key: str
) -> list[Delivery]:
    """Queue a webhook delivery of ``event`` (no alert: e.g. ``{"kind": "hotspot.new",
    "run": 12, "hotspots": [3, 4]}``) to each named active recipient with an active
    destination. It is sent when the transaction commits, signed and retried with backoff
    like any delivery and recorded as a ``Delivery``; it is never held for quiet hours (a
    system's endpoint) and never falls back to another channel (only the webhook renders an
    event). ``event["kind"]`` becomes the body's ``event``; a payload filter a higher app
    registered (``webhook_payload_filter_register``) turns the references into content."""
    channel = channel_for("webhook")
    users = get_user_model().objects.filter(username__in=usernames, is_active=True)
    created = []
    for user in users.order_by("pk"):
        address = channel.address_for(user)
        if not address:
            continue
        delivery = Delivery.objects.create(
            event=event,
            recipient=user,
            channel=channel.kind,
            address=address,
            language=user.preferred_language or settings.LANGUAGE_CODE,
            step_key=key,
        )
        enqueue("delivery_send", delivery.pk)
        created.append(delivery)
    return created
