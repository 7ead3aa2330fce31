"""Webhooks for agencies: subscribe (URL, events, signing secret shown once), unsubscribe,
queue a delivery of each new alert and of each analytics run's new and intensifying
hotspots in the account's scope, and trim every webhook body through the sharing rule
(``share_out``, the one path every share takes)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from analytics.choices import HotspotTrend
from commands.models import Alert, Delivery
from commands.notify.base import absolute_url
from commands.services.webhooks import (
    webhook_deliveries_create,
    webhook_destination_set,
    webhook_event_deliveries_create,
    webhook_secret_generate,
)
from interop.choices import EVENT_SCOPES, Scope, ShareKind, WebhookEvent
from interop.models import ServiceAccount, WebhookSubscription
from interop.selectors import alerts_shared, hotspots_shared
from interop.services.sharing import share_out
from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_create
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError


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


class EventScopeMissing(ApplicationError):
    status_code = 403
    code = "scope_missing"


# Hotspots a webhook announces: new ones, and known ones whose count grew.
ANNOUNCED_TRENDS = (HotspotTrend.NEW, HotspotTrend.INTENSIFYING)


def _check_event_scopes(account: ServiceAccount, events: list[str]) -> None:
    missing = sorted({EVENT_SCOPES[e] for e in events} - set(account.scopes))
    if missing:
        raise EventScopeMissing(
            _("These events need scopes this API key lacks: %(scopes)s.")
            % {"scopes": ", ".join(missing)}
        )


@transaction.atomic
def subscription_set(
    *, account: ServiceAccount, url: str, events: list[str] | None = None
) -> tuple[WebhookSubscription, str]:
    """Subscribe (or move) ``account``'s webhook to ``url`` for ``events`` (default: what it
    had, else new alerts); each event needs its scope (403 otherwise). A new signing secret
    is returned once (stored only for signing)."""
    subscription = WebhookSubscription.objects.filter(service_account=account).first()
    if events is None:
        events = list(subscription.events) if subscription else [WebhookEvent.ALERT.value]
    _check_event_scopes(account, events)
    if subscription is None:
        subscription = WebhookSubscription.objects.create(
            service_account=account, recipient=_recipient(account)
        )
    secret = webhook_secret_generate()
    webhook_destination_set(recipient=subscription.recipient, url=url, secret=secret)
    subscription.active = True
    subscription.events = sorted(set(events))
    subscription.save(update_fields=["active", "events", "updated_at"])
    audit_record(
        action="interop_subscribe",
        obj=account,
        summary={"url": url, "subscription": subscription.pk, "events": subscription.events},
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


def _live_subscriptions(event: str = WebhookEvent.ALERT):
    """Active subscriptions to ``event`` whose account still holds its scopes."""
    return WebhookSubscription.objects.filter(
        active=True,
        events__contains=[event],
        service_account__active=True,
        service_account__agency__active=True,
        service_account__scopes__contains=sorted({Scope.ALERTS_SUBSCRIBE, EVENT_SCOPES[event]}),
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


@transaction.atomic
def hotspot_subscriptions_notify(*, run_id: int) -> list[int]:
    """Queue one webhook delivery of the new and intensifying hotspots of analytics run
    ``run_id`` (the chain ``run_finished`` names, or its hotspot step) to each live
    ``hotspot.new`` subscription, naming only those in its account's regions (none to send,
    no delivery). Safe to run twice: one delivery per run per subscription."""
    queued = []
    for subscription in _live_subscriptions(WebhookEvent.HOTSPOT_NEW):
        key = subscription.hotspots_key
        if Delivery.objects.filter(step_key=key, event__run=run_id).exists():
            continue
        rows = hotspots_shared(account=subscription.service_account).filter(
            Q(run_id=run_id) | Q(run__parent_id=run_id), trend__in=ANNOUNCED_TRENDS
        )
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        deliveries = webhook_event_deliveries_create(
            event={"kind": WebhookEvent.HOTSPOT_NEW.value, "run": run_id, "hotspots": ids},
            usernames=[subscription.recipient.get_username()],
            key=key,
        )
        queued += [d.pk for d in deliveries]
    return queued


def webhook_payload_share(payload: dict, recipient) -> dict:
    """The webhook body an agency's recipient may receive: the alert (or the hotspots) as
    its sharing rule shapes them (recorded as a share), or withheld when outside its scope.
    Other recipients' bodies pass unchanged."""
    subscription = getattr(recipient, "interop_subscription", None) if recipient else None
    if subscription is None:
        return payload
    account = subscription.service_account
    if payload.get("event") == WebhookEvent.HOTSPOT_NEW:
        return _hotspots_payload(payload, account)
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


def _hotspots_payload(payload: dict, account: ServiceAccount) -> dict:
    """A ``hotspot.new`` body: the named hotspots still shared with the account, as a
    GeoJSON FeatureCollection shaped by its sharing rule."""
    ids = [i for i in payload.get("hotspots") or [] if isinstance(i, int)]
    rows = list(hotspots_shared(account=account).filter(pk__in=ids))
    shared = share_out(account=account, kind=ShareKind.WEBHOOK_HOTSPOTS, rows=rows)
    return {
        "event": payload.get("event"),
        "delivery": payload.get("delivery"),
        "language": payload.get("language"),
        "run": payload.get("run"),
        "hotspots": {"type": "FeatureCollection", "features": shared},
        "url": absolute_url(reverse("interop_api:v1_hotspots")),
        "withheld": not shared,
    }
