"""Webhook channel: a signed JSON POST to a system's URL (a partner agency's endpoint).

The body is signed with HMAC-SHA256 over ``"{timestamp}.{body}"`` with the destination's
own secret and sent with ``X-Khareetaty-Timestamp`` and ``X-Khareetaty-Signature:
v1=<hex>`` (verification recipe: ``docs/webhooks.md``). Redirects are never followed and
the destination is checked before every send (http(s) only, no credentials in the URL, no
address in ``WEBHOOK_BLOCKED_NETWORKS``). 2xx is sent; 408, 429, 5xx, timeouts and refused
connections are retried by the delivery machinery; every other answer is permanent.
"""

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from commands.notify.base import Channel, ChannelError, Notice, OutgoingMessage, absolute_url
from khareetaty.net import address_in_networks

SIGNATURE_VERSION = "v1"
TIMESTAMP_HEADER = "X-Khareetaty-Timestamp"
SIGNATURE_HEADER = "X-Khareetaty-Signature"
DELIVERY_HEADER = "X-Khareetaty-Delivery"
_TRANSIENT_STATUSES = {408, 429}

# (payload, recipient) -> payload: a higher app (interop's sharing rules) trims what leaves.
PayloadFilter = Callable[[dict, object], dict]
_payload_filters: list[PayloadFilter] = []


def webhook_payload_filter_register(payload_filter: PayloadFilter) -> None:
    """Called once by a higher app's ``ready()``: every webhook body goes through it."""
    if payload_filter not in _payload_filters:
        _payload_filters.append(payload_filter)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``, the signature header's value."""
    signed = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def webhook_url_problem(url: str) -> str:
    """Why ``url`` cannot be a webhook destination ("" when it can): the form only, no DNS."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return str(_("The URL is not valid."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return str(_("Use an http:// or https:// URL with a host name."))
    if parts.username or parts.password:
        return str(_("Put no user name or password in the URL; the signature authenticates."))
    if port == 0:
        return str(_("The URL is not valid."))
    if address_in_networks(parts.hostname, settings.WEBHOOK_BLOCKED_NETWORKS):
        return str(_("This address may not receive webhooks."))
    return ""


def _destination_problem(url: str) -> tuple[str, bool]:
    """``(problem, permanent)`` for sending to ``url`` now: its form, then every address its
    host resolves to (a name pointing into a blocked network is refused)."""
    problem = webhook_url_problem(url)
    if problem:
        return problem, True
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"Webhook host not resolved: {exc}", False
    blocked = settings.WEBHOOK_BLOCKED_NETWORKS
    if any(address_in_networks(str(info[4][0]), blocked) for info in infos):
        return "Webhook host resolves to a blocked address.", True
    return "", False


class WebhookChannel(Channel):
    """A signed JSON POST to the recipient's ``WebhookDestination`` (``commands.models``)."""

    kind = "webhook"
    label = _("Webhook")
    template = "webhook"
    personal = False  # a system's endpoint, not a person's preference

    def is_configured(self) -> bool:
        return True  # each destination brings its own URL and secret

    def address_for(self, recipient) -> str:
        destination = getattr(recipient, "webhook_destination", None)
        return destination.url if destination is not None and destination.is_active else ""

    def secret_for(self, recipient) -> str:
        destination = getattr(recipient, "webhook_destination", None)
        return destination.secret if destination is not None else ""

    def render(self, notice: Notice) -> OutgoingMessage:
        """The JSON body (compact, UTF-8); ``text`` of the payload comes from the template."""
        if "alert" in notice.context:
            payload = webhook_payload(notice, text=self.render_template(notice, "txt").strip())
        else:
            payload = webhook_event_payload(notice)
        for payload_filter in _payload_filters:
            payload = payload_filter(payload, notice.context.get("recipient"))
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return OutgoingMessage(
            to=notice.to, text=body, reference=notice.reference, secret=notice.secret
        )

    def send(self, message: OutgoingMessage) -> str:
        if not message.secret:
            raise ChannelError("Webhook destination has no signing secret.", permanent=True)
        problem, permanent = _destination_problem(message.to)
        if problem:
            raise ChannelError(problem, permanent=permanent)
        body = message.text.encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Khareetaty-Webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(
                secret=message.secret, timestamp=timestamp, body=body
            ),
            DELIVERY_HEADER: message.reference,
        }
        status, request_id = _post(message.to, body, headers)
        if 200 <= status < 300:
            return request_id or message.reference
        if status in _TRANSIENT_STATUSES or status >= 500:
            raise ChannelError(f"Webhook answered HTTP {status}.")
        if 300 <= status < 400:
            raise ChannelError(
                f"Webhook answered a redirect ({status}), not followed.", permanent=True
            )
        raise ChannelError(f"Webhook refused the delivery: HTTP {status}.", permanent=True)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST without following redirects or reading the answer's body: ``(status, id)``."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        with requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            return response.status_code, response.headers.get("X-Request-Id", "")[:100]
    except requests.Timeout as exc:
        raise ChannelError(f"Webhook timed out after {timeout:g} s.") from exc
    except requests.ConnectionError as exc:
        raise ChannelError(f"Webhook unreachable: {exc.__class__.__name__}.") from exc
    except requests.RequestException as exc:
        raise ChannelError(f"Webhook request invalid: {exc}", permanent=True) from exc


def webhook_payload(notice: Notice, *, text: str) -> dict:
    """What an agency receives about an alert (before any sharing filter)."""
    alert = notice.context["alert"]
    region = alert.region
    return {
        "event": "alert",
        "delivery": notice.reference,
        "language": notice.language,
        "text": text,
        "alert": {
            "id": alert.pk,
            "uuid": str(alert.uuid),
            "title": notice.context["title"],
            "severity": alert.severity,
            "status": alert.status,
            "count": alert.count,
            "region": _region(region, notice.language),
            "first_seen_at": _iso(alert.first_seen_at),
            "last_seen_at": _iso(alert.last_seen_at),
            "acknowledged_at": _iso(alert.acknowledged_at),
            "resolved_at": _iso(alert.resolved_at),
            "url": absolute_url(reverse("commands_api:alert-detail", args=[alert.pk])),
        },
    }


def webhook_event_payload(notice: Notice) -> dict:
    """An event delivery's body before any sharing filter: its kind and references."""
    event = dict(notice.context["event"])
    kind = event.pop("kind", "event")
    return {**event, "event": kind, "delivery": notice.reference, "language": notice.language}


def _region(region, language: str) -> dict | None:
    if region is None:
        return None
    name = (region.name_ar if language == "ar" else "") or region.name_en
    return {"code": region.code, "name": name}


def _iso(value) -> str | None:
    return value.isoformat() if value else None
