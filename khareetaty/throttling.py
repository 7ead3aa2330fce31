"""Rate limits counted in Redis (the default cache), so every web process shares them."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserRateLimit(UserRateThrottle):
    """API_RATE_LIMIT requests per window per signed-in user (or per API client later)."""


class AnonymousRateLimit(AnonRateThrottle):
    """The same limit per client address for anonymous calls such as sign-in."""
