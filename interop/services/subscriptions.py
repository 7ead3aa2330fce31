"""Alert webhooks for agencies: subscribe (URL, signing secret shown once), unsubscribe,
queue a delivery of each new alert in the account's scope, and trim every webhook body
through the sharing rule (``share_out``, the one path every share takes)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.urls import reverse

from commands.models import Alert, Delivery
from commands.notify.base import absolute_url
from commands.services.webhooks import (
    webhook_deliveries_create,
    webhook_destination_set,
    webhook_secret_generate,
)
from interop.choices import Scope, ShareKind
from interop.models import ServiceAccount, WebhookSubscription
from interop.selectors import alerts_shared
from interop.services.sharing import share_out
from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_create
from khareetaty.audit.services import audit_record


def _recipient(account: ServiceAccount):
    """The account's webhook recipient: a user that cannot sign in (no usable password)."""
    user = user_create(
        username=f"interop-{account.agency.code}-{account.pk}"[:150],
        password=secrets.token_urlsafe(32),
        role=Role.VIEWER,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def subscription_set(*, account: ServiceAccount, url: str) -> tuple[WebhookSubscription, str]:
    """Subscribe (or move) ``account``'s alert webhook to ``url``; a new signing secret is
    returned once (stored only for signing)."""
    subscription = WebhookSubscription.objects.filter(service_account=account).first()
    if subscription is None:
        subscription = WebhookSubscription.objects.create(
            service_account=account, recipient=_recipient(account)
        )
    secret = webhook_secret_generate()
    webhook_destination_set(recipient=subscription.recipient, url=url, secret=secret)
    subscription.active = True
    subscription.save(update_fields=["active", "updated_at"])
    audit_record(
        action="interop_subscribe",
        obj=account,
        summary={"url": url, "subscription": subscription.pk},
    )
    return subscription, secret


@transaction.atomic
def subscription_delete(*, account: ServiceAccount) -> None:
    subscription = WebhookSubscription.objects.filter(service_account=account).first()
    if subscription is not None and subscription.active:
        subscription.active = False
        subscription.save(update_fields=["active", "updated_at"])
        destination = subscription.recipient.webhook_destination
        destination.is_active = False
        destination.save(update_fields=["is_active", "updated_at"])
        audit_record(action="interop_unsubscribe", obj=account, summary={})


def _live_subscriptions():
    return WebhookSubscription.objects.filter(
        active=True,
        service_account__active=True,
        service_account__agency__active=True,
        service_account__scopes__contains=[Scope.ALERTS_SUBSCRIBE],
    ).select_related("service_account__agency", "recipient")


@transaction.atomic
def alert_subscriptions_notify(*, alert_id: int) -> list[int]:
    """Queue one webhook delivery of the alert to each live subscription whose account may
    see it (its regions and categories); safe to run twice (one delivery per key)."""
    queued = []
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return queued
    for subscription in _live_subscriptions():
        if Delivery.objects.filter(alert=alert, step_key=subscription.key).exists():
            continue
        if not alerts_shared(account=subscription.service_account).filter(pk=alert.pk).exists():
            continue
        deliveries = webhook_deliveries_create(
            alert=alert, usernames=[subscription.recipient.get_username()], key=subscription.key
        )
        queued += [d.pk for d in deliveries]
    return queued


def webhook_payload_share(payload: dict, recipient) -> dict:
    """The webhook body an agency's recipient may receive: the alert as its sharing rule
    shapes it (recorded as a share), or withheld when outside its scope. Other recipients'
    bodies pass unchanged."""
    subscription = getattr(recipient, "interop_subscription", None) if recipient else None
    if subscription is None:
        return payload
    account = subscription.service_account
    alert_id = (payload.get("alert") or {}).get("id")
    rows = list(alerts_shared(account=account).filter(pk=alert_id))
    shared = share_out(account=account, kind=ShareKind.WEBHOOK, rows=rows)
    url = absolute_url(reverse("interop_api:v1_alert", args=[alert_id])) if rows else None
    return {
        "event": payload.get("event"),
        "delivery": payload.get("delivery"),
        "language": payload.get("language"),
        "alert": shared[0] if shared else None,
        "url": url,
        "withheld": not shared,
    }
