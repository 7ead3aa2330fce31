"""Keyset pages for pulls: stable under inserts, and a cursor to resume incremental sync."""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError


def cursor_encode(row, time_field: str | None) -> str:
    value = [getattr(row, time_field).isoformat(), row.pk] if time_field else [None, row.pk]
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        instant = parse_datetime(when) if when is not None else None
        if (when is not None and instant is None) or not isinstance(pk, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    return instant, pk


def keyset_page(
    rows: QuerySet, *, cursor: str | None, limit: int, time_field: str | None
) -> tuple[list, str | None, str | None]:
    """(rows of the page, next cursor or None, cursor after the page's last row or None);
    ``rows`` must be ordered by (``time_field``, pk) or by pk."""
    if cursor:
        when, pk = cursor_decode(cursor)
        if time_field and when is not None:
            rows = rows.filter(
                Q(**{f"{time_field}__gt": when}) | Q(**{time_field: when, "pk__gt": pk})
            )
        else:
            rows = rows.filter(pk__gt=pk)
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    last = cursor_encode(page[-1], time_field) if page else cursor
    return page, (last if more else None), last
