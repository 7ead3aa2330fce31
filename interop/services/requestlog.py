"""The request log: write one row per interop request; delete rows past retention."""

import datetime as dt
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_guid import get_guid

from interop.models import RequestLog
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
    *, request: HttpRequest, response: HttpResponse | None, duration_ms: float
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
            request_id=(get_guid() or "")[:64],
            client_ip=_address(client_ip(request)),
        )
    except DatabaseError:
        logger.exception("interop request log: the row for %s could not be written", request.path)
        return None


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
