"""Request body limits, enforced before the body is read.

Under ASGI, Django reads (and spools to disk) a request's whole body before any middleware
runs, so the limit sits in front of Django: ``RequestBodyLimit`` answers 413 at once when the
declared ``Content-Length`` is over the limit, and stops reading a chunked body (no length)
as soon as it passes the limit; the connection is then closed, nothing more is read. The
Django middleware ``request_body_limit`` does the ``Content-Length`` check for WSGI servers
(which read bodies lazily and never read a chunked one).

The limit is ``REQUEST_BODY_MAX_BYTES`` everywhere except file uploads (multipart) to the
batch endpoint, which take files up to ``INGEST_UPLOAD_MAX_BYTES`` (plus room for the
multipart envelope).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

UPLOAD_PATHS = ("/api/incidents/batches", "/api/incidents/batches/")
MULTIPART_ROOM = 64 * 1024  # the multipart envelope and form fields around an upload


def body_limit(path: str, content_type: str = "") -> int:
    """The most bytes a request body to ``path`` may have: file uploads (multipart) to the
    batch endpoint may be large; anything parsed into memory (JSON) may not."""
    if path in UPLOAD_PATHS and content_type.lower().startswith("multipart/form-data"):
        return max(
            settings.REQUEST_BODY_MAX_BYTES, settings.INGEST_UPLOAD_MAX_BYTES + MULTIPART_ROOM
        )
    return settings.REQUEST_BODY_MAX_BYTES


def _refusal(limit: int) -> dict:
    return {
        "code": "request_too_large",
        "detail": _("The request body is larger than the limit of %(limit)d bytes.")
        % {"limit": limit},
    }


def _header(headers, wanted: bytes) -> bytes | None:
    for name, value in headers:
        if name.lower() == wanted:
            return value
    return None


def _declared_length(headers) -> int | None:
    value = _header(headers, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


class RequestBodyLimit:
    """ASGI middleware around the HTTP application (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope.get("headers", ())
        content_type = (_header(headers, b"content-type") or b"").decode("latin-1")
        limit = body_limit(scope.get("path", ""), content_type)
        declared = _declared_length(headers)
        if declared is not None and declared > limit:
            return await _send_refusal(send, limit)
        state = {"read": 0, "over": False, "started": False}

        async def limited_receive() -> dict:
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["over"] = True  # Django sees the client gone and stops reading
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if state["over"] and not state["started"]:
            await _send_refusal(send, limit)


async def _send_refusal(send: Callable[[dict], Awaitable[None]], limit: int) -> None:
    body = json.dumps(_refusal(limit)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def request_body_limit(get_response: Callable[[HttpRequest], HttpResponse]):
    """Django middleware: 413 when the declared length is over the limit (WSGI servers)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path, request.META.get("CONTENT_TYPE", ""))
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return JsonResponse(_refusal(limit), status=413)
        return get_response(request)

    return middleware
