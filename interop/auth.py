"""How the interop API knows its caller: an API key, its scopes, its limits.

``ServiceAccountKeyAuthentication`` is the only authenticator of ``/api/interop/v1/``; the
staff API and pages never list it, so a key opens nothing else, and a staff JWT or session
is ignored here (401). ``ScopeAccess`` checks the scope each view declares in
``scope_access`` (the same shape as ``role_access``); ``ServiceAccountKeyRateLimit`` counts
each key's requests per minute in Redis against its account's limit.

What the authenticator learns (key prefix, account) is also left on the Django request for
the request log (``interop.middleware``), also when it refuses the key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from interop.models import ServiceAccount, ServiceAccountKey
from khareetaty.net import address_in_networks, client_ip
from khareetaty.throttling import cache_count

KEYWORD = "Api-Key"
LAST_USED_EVERY = 60  # seconds
# Declared by every key-only view: no staff role may call it (the role matrix reads this).
KEY_ONLY = {"read": frozenset(), "write": frozenset()}
# A scope_access value: any valid key may call it (what the key itself may do).
ANY_SCOPE = "*"


@dataclass
class LogMark:
    """What the request log may say about the caller (never the secret)."""

    key_prefix: str = ""
    account_id: int | None = None


def log_mark(request: HttpRequest) -> LogMark:
    """The request's mark, created on first use (the middleware reads it afterwards)."""
    django_request = getattr(request, "_request", request)
    mark = getattr(django_request, "interop_mark", None)
    if mark is None:
        mark = LogMark()
        django_request.interop_mark = mark
    return mark


@dataclass
class ServiceAccountUser:
    """``request.user`` of a key-authenticated call: a machine, never a staff user."""

    account: ServiceAccount
    key: ServiceAccountKey
    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    role = ""
    pk = None
    id = None

    def get_username(self) -> str:
        return f"key:{self.key.prefix}"


def presented_key(request: HttpRequest) -> str | None:
    """The key in ``Authorization: Api-Key <key>`` (or ``X-Api-Key``), else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    keyword, _space, value = header.partition(" ")
    if keyword == KEYWORD and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


def key_usable(key: ServiceAccountKey | None, secret: str) -> bool:
    """The key exists, matches, is not revoked or expired, and its account and agency are
    active."""
    if key is None or key.revoked or not key.is_valid(secret):
        return False
    if key.expiry_date is not None and key.expiry_date <= timezone.now():
        return False
    account = key.service_account
    return account.active and account.agency.active


def _touch(key: ServiceAccountKey) -> None:
    """Record when a key was last used, at most once a minute (not a write per request)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() >= LAST_USED_EVERY:
        ServiceAccountKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


class ServiceAccountKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; anything else is not a key (401)."""

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="interop"'

    def authenticate(self, request):
        secret = presented_key(request)
        if secret is None:
            return None
        prefix = secret.partition(".")[0][:8]
        mark = log_mark(request)
        mark.key_prefix = prefix
        key = (
            ServiceAccountKey.objects.select_related("service_account__agency")
            .filter(prefix=prefix)
            .first()
        )
        if key is not None:
            mark.account_id = key.service_account_id
        if not key_usable(key, secret):
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        allowlist = key.service_account.ip_allowlist
        if allowlist and not address_in_networks(client_ip(request), allowlist):
            raise exceptions.PermissionDenied(_("Requests from this address are not allowed."))
        _touch(key)
        return ServiceAccountUser(key.service_account, key), key


def required_scope(view, method: str) -> str | None:
    """The scope ``view`` declares for ``method`` (by action, method, or read/write)."""
    policy = getattr(view, "scope_access", None) or {}
    action = getattr(view, "action", None)
    if action and action in policy:
        return policy[action]
    if method.upper() in policy:
        return policy[method.upper()]
    return policy.get("read" if method.upper() in SAFE_METHODS else "write")


def calling_account(request) -> ServiceAccount:
    return request.auth.service_account


class ScopeAccess(BasePermission):
    """The key's account holds the scope the view declares; staff users never pass."""

    message = _("This API key's scopes do not allow this request.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ServiceAccountKey):
            return False
        scope = required_scope(view, request.method)
        if scope == ANY_SCOPE:
            return True
        return scope is not None and scope in request.auth.service_account.scopes


class ServiceAccountKeyRateLimit(BaseThrottle):
    """The account's requests per minute, counted per key in Redis (a fixed one-minute
    window; ``INCR`` is atomic, so concurrent web processes share one count)."""

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ServiceAccountKey):
            return True
        now = time.time()
        window = int(now // 60)
        cache_key = f"interop:rate:{key.prefix}:{window}"
        count = cache_count(cache_key, timeout=120)
        self._wait = 60 - (now % 60)
        return count <= key.service_account.rate_limit

    def wait(self) -> float:
        return self._wait
