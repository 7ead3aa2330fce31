from django.http import HttpRequest, HttpResponse

from khareetaty.audit.context import RequestContext, current_request
from khareetaty.net import client_ip


class RequestContextMiddleware:
    """Record the client's address and user agent for audit entries made by this request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(
            RequestContext(
                ip_address=client_ip(request) or None,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            )
        )
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
