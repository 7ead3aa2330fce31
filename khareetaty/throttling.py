"""Rate limits counted in Redis (the default cache), so every web process shares them.

The rate is read from ``settings.API_RATE_LIMIT`` on each request (not frozen at import), so
a deployment or a test can change it without a restart of the class machinery.
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserRateLimit(UserRateThrottle):
    """API_RATE_LIMIT requests per window per signed-in user (or per API client later)."""

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT


class AnonymousRateLimit(AnonRateThrottle):
    """The same limit per client address for anonymous calls such as sign-in."""

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT
