"""The request log: write one row per interop request; delete rows past retention."""

import datetime as dt
import ipaddress
import logging
import uuid

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_guid import get_guid

from interop.auth import log_mark, presented_key
from interop.models import RequestLog, ServiceAccountKey
from khareetaty.net import client_ip

logger = logging.getLogger(__name__)
INTEROP_PREFIX = "/api/interop/v1/"
PRUNE_CHUNK = 50_000


def _bytes_out(response: HttpResponse | None) -> int:
    if response is None:
        return 0
    if getattr(response, "streaming", False):
        return int(response.get("Content-Length") or 0)
    return len(response.content)


def _bytes_in(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def request_log_write(
    *,
    request: HttpRequest,
    response: HttpResponse | None,
    duration_ms: float,
    request_id: str | None = None,
) -> RequestLog | None:
    """Append the request's row. A failing write is logged, never turned into the caller's
    error (the answer is already decided)."""
    if not settings.INTEROP_REQUEST_LOG_ENABLED:
        return None
    mark = getattr(request, "interop_mark", None)
    try:
        return RequestLog.objects.create(
            service_account_id=mark.account_id if mark else None,
            key_prefix=(mark.key_prefix if mark else "")[:8],
            method=request.method[:8],
            path=request.path[:500],
            status=response.status_code if response is not None else 500,
            bytes_in=_bytes_in(request),
            bytes_out=_bytes_out(response),
            duration_ms=duration_ms,
            request_id=(request_id or get_guid() or "")[:64],
            client_ip=_address(client_ip(request)),
        )
    except DatabaseError:
        logger.exception("interop request log: the row for %s could not be written", request.path)
        return None


def request_log_refused(request: HttpRequest, response: HttpResponse, duration_ms: float) -> None:
    """The row of an interop request refused before Django (the ASGI body limit's 413):
    the key prefix parsed from its header (the secret is never kept) and, like the key
    authentication does, the account that prefix names; a fresh request id."""
    if not request.path.startswith(INTEROP_PREFIX):
        return
    presented = presented_key(request)
    if presented:
        mark = log_mark(request)
        mark.key_prefix = presented.partition(".")[0][:8]
        mark.account_id = (
            ServiceAccountKey.objects.filter(prefix=mark.key_prefix)
            .values_list("service_account_id", flat=True)
            .first()
        )
    request_log_write(
        request=request,
        response=response,
        duration_ms=duration_ms,
        request_id=request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex,
    )


def request_log_prune(*, now: dt.datetime | None = None) -> int:
    """Delete rows older than ``INTEROP_REQUEST_LOG_RETENTION_DAYS``, in chunks so one run
    never holds a long lock; returns how many. Safe to run twice."""
    cutoff = (now or timezone.now()) - dt.timedelta(
        days=settings.INTEROP_REQUEST_LOG_RETENTION_DAYS
    )
    deleted = 0
    while True:
        ids = list(
            RequestLog.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[
                :PRUNE_CHUNK
            ]
        )
        if not ids:
            return deleted
        deleted += RequestLog.objects.filter(id__in=ids).delete()[0]
