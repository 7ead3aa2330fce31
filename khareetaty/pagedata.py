"""Rate limits for page data (the dashboard's ``/map/*`` JSON), like the API's.

Decision: each signed-in user has ``API_RATE_LIMIT`` requests per window for page data, the
same rate as the API but counted apart (scope ``page_data``), in Redis like the API's
counters. A dashboard that pans a lot then never starves its own API panels, and one user can
still pull at most twice ``API_RATE_LIMIT`` requests a window from the two together. Over the
limit the answer is 429 with ``Retry-After``, as the API's.
"""

import math
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from khareetaty.throttling import UserRateLimit


class PageDataRateLimit(UserRateLimit):
    """``API_RATE_LIMIT`` page-data requests per window per user (per address if anonymous)."""

    scope = "page_data"


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with ``Retry-After`` once the caller has used its page-data budget."""

    @wraps(view)
    def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        throttle = PageDataRateLimit()
        if throttle.allow_request(request, None):
            return view(request, *args, **kwargs)
        wait = max(1, math.ceil(throttle.wait() or 1))
        response = JsonResponse(
            {"code": "throttled", "detail": _("Too many requests. Try again later.")},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response

    return limited
