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

A refusal answered here never reaches Django's middleware, so a higher app that must see
every request (the interop request log) registers a hook
(``body_limit_refusal_register``): after the 413 is sent, each hook gets a Django request
built from the ASGI scope (headers, path, client; never the body) and the response.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

UPLOAD_PATHS = ("/api/incidents/batches", "/api/incidents/batches/")
MULTIPART_ROOM = 64 * 1024  # the multipart envelope and form fields around an upload

# (request, response, duration in ms) -> None, called for each 413 answered before Django.
RefusalHook = Callable[[HttpRequest, HttpResponse, float], None]
_refusal_hooks: list[RefusalHook] = []


def body_limit_refusal_register(hook: RefusalHook) -> None:
    """Called once by a higher app's ``ready()``: it is told of every refusal made here."""
    if hook not in _refusal_hooks:
        _refusal_hooks.append(hook)


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
        started = time.perf_counter()
        headers = scope.get("headers", ())
        content_type = (_header(headers, b"content-type") or b"").decode("latin-1")
        limit = body_limit(scope.get("path", ""), content_type)
        declared = _declared_length(headers)
        if declared is not None and declared > limit:
            body = await _send_refusal(send, limit)
            return await _report_refusal(scope, body, started)
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
            body = await _send_refusal(send, limit)
            await _report_refusal(scope, body, started)


async def _report_refusal(scope: dict, body: bytes, started: float) -> None:
    """Tell the registered hooks (after the answer is sent); a failing hook is logged."""
    if not _refusal_hooks:
        return
    duration_ms = (time.perf_counter() - started) * 1000
    request = ASGIRequest(scope, io.BytesIO())  # headers and client only: no body is read
    response = HttpResponse(body, status=413, content_type="application/json")
    for hook in _refusal_hooks:
        try:
            await sync_to_async(hook)(request, response, duration_ms)
        except Exception:
            logger.exception("body limit refusal hook %r failed", hook)


async def _send_refusal(send: Callable[[dict], Awaitable[None]], limit: int) -> bytes:
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
    return body


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
