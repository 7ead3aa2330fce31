"""The request log's writer: every request under ``/api/interop/v1/`` leaves one row,
whatever answered it (a refused key, a wrong scope, the rate limit, a bad body, an error).

It sits right after the request-id middleware, so nothing that can refuse a request runs
before it, and it writes in ``finally``: an exception escaping the view is logged as a 500
and then re-raised to Django's own handling.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from interop.services.requestlog import INTEROP_PREFIX, request_log_write


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(INTEROP_PREFIX):
            return get_response(request)
        started = time.perf_counter()
        response = None
        try:
            response = get_response(request)
            return response
        finally:
            request_log_write(
                request=request,
                response=response,
                duration_ms=(time.perf_counter() - started) * 1000,
            )

    return middleware
