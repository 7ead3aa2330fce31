"""Rate limits counted in Redis (the default cache), so every web process shares them.

Rates are read from settings on each request (not frozen at import), so a deployment or a
test can change them without a restart of the class machinery. Every limit keyed by address
uses ``khareetaty.net.client_ip``: a client cannot pick a fresh address per request by
sending its own ``X-Forwarded-For``.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from khareetaty.net import client_ip


def cache_count(key: str, *, timeout: int | None) -> int:
    """Add one to the counter ``key`` and return it (``INCR`` is atomic across processes).
    A counter gone between ``add`` and ``incr`` (evicted, or the cache cleared) starts again
    instead of failing its caller."""
    for _attempt in range(3):
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:  # the key vanished in between
            continue
    return 1


class ClientAddressIdent:
    """Identify anonymous callers by their trusted client address."""

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)


class UserRateLimit(ClientAddressIdent, UserRateThrottle):
    """API_RATE_LIMIT requests per window per signed-in user (or per address if anonymous)."""

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT


class AnonymousRateLimit(ClientAddressIdent, AnonRateThrottle):
    """The same limit per client address for anonymous calls such as sign-in."""

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT


class SignInRateLimit(ClientAddressIdent, SimpleRateThrottle):
    """Sign-in attempts per client address, pages and API counted together."""

    scope = "signin"

    def get_rate(self) -> str:
        return settings.SIGNIN_RATE_LIMIT

    def get_cache_key(self, request: HttpRequest, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInGlobalRateLimit(SimpleRateThrottle):
    """Sign-in attempts from every client together: a ceiling for a spread-out attack."""

    scope = "signin_global"

    def get_rate(self) -> str:
        return settings.SIGNIN_GLOBAL_RATE_LIMIT

    def get_cache_key(self, request: HttpRequest, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class SignInFailureLimit(ClientAddressIdent, SimpleRateThrottle):
    """Failed sign-ins per client address across every username, over the lockout window.

    Checking does not count: only ``record_failure`` (called when a sign-in fails) does, so
    one host spraying one password over many usernames is refused after
    SIGNIN_FAILURES_PER_ADDRESS failures, while its good sign-ins cost nothing.
    """

    scope = "signin_failures"

    def __init__(self) -> None:
        self.rate = "failures"
        self.num_requests = settings.SIGNIN_FAILURES_PER_ADDRESS
        self.duration = int(settings.AXES_COOLOFF_TIME.total_seconds())

    def get_cache_key(self, request: HttpRequest, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def throttle_success(self) -> bool:
        return True

    @classmethod
    def record_failure(cls, request: HttpRequest) -> None:
        throttle = cls()
        throttle.key = throttle.get_cache_key(request, None)
        throttle.history = throttle.cache.get(throttle.key, [])
        throttle.now = throttle.timer()
        cutoff = throttle.now - throttle.duration
        throttle.history = [when for when in throttle.history if when > cutoff]
        throttle.history = throttle.history[: max(throttle.num_requests - 1, 0)]
        SimpleRateThrottle.throttle_success(throttle)


SIGN_IN_THROTTLES = (SignInFailureLimit, SignInRateLimit, SignInGlobalRateLimit)


def sign_in_refused(request: HttpRequest) -> float | None:
    """Check every sign-in limit for ``request``; the seconds to wait if one refuses, else None.

    Used by the sign-in page; the API view lists the same classes as its throttles.
    """
    for throttle_class in SIGN_IN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            return throttle.wait() or float(throttle.duration)
    return None
