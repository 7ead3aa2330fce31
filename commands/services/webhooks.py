"""Webhook destinations: where the ``webhook`` channel reaches a recipient (a service
account a higher app keeps for a partner system)."""

import secrets

from django.db import transaction

from commands.models import Alert, Delivery, WebhookDestination
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
