"""Reads of the interop app: what an account may pull (its regions and categories only),
the request log, and each feed's state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from analytics.models import Forecast, Hotspot
from analytics.selectors import forecast_list, hotspot_list
from commands.models import Alert
from incidents.models import Incident
from interop.models import AgencyBatch, Feed, RequestLog, ServiceAccount, SharingRule


def _allowed_ids(account: ServiceAccount) -> tuple[list[int], list[int]]:
    return (
        list(account.regions.values_list("pk", flat=True)),
        list(account.categories.values_list("pk", flat=True)),
    )


def _scope(queryset: QuerySet, account: ServiceAccount, *, category_optional: bool) -> QuerySet:
    """Rows in the account's regions and categories (an empty list shares nothing). Rows
    without a category (a whole-region forecast or alert) pass when ``category_optional``."""
    if not settings.INTEROP_SCOPE_FILTER_ENABLED:  # benchmark baseline only
        return queryset
    regions, categories = _allowed_ids(account)
    in_categories = Q(category_id__in=categories)
    if category_optional:
        in_categories |= Q(category_id__isnull=True)
    return queryset.filter(Q(region_id__in=regions) & in_categories)


def incidents_shared(*, account: ServiceAccount) -> QuerySet[Incident]:
    """In sync order (updated_at, id: the ``incident_updated_id`` index walks it, so a page
    reads its rows and stops). The region's outline is never shared with an incident: it is
    not read (a governorate's polygon per row was most of a pull's time)."""
    rows = Incident.objects.select_related("category", "region").defer("region__geom")
    return _scope(rows, account, category_optional=False).order_by("updated_at", "pk")


def alerts_shared(*, account: ServiceAccount) -> QuerySet[Alert]:
    rows = Alert.objects.select_related("category", "region")
    return _scope(rows, account, category_optional=True).order_by("updated_at", "pk")


def hotspots_shared(*, account: ServiceAccount) -> QuerySet[Hotspot]:
    """The latest run's hotspots in the account's regions holding at least one incident of
    its categories."""
    rows = hotspot_list().select_related("region", "run")
    if settings.INTEROP_SCOPE_FILTER_ENABLED:
        codes = list(account.categories.values_list("code", flat=True))
        rows = rows.filter(
            region_id__in=_allowed_ids(account)[0], category_breakdown__has_any_keys=codes
        )
    return rows.order_by("pk")


def forecasts_shared(*, account: ServiceAccount) -> QuerySet[Forecast]:
    rows = forecast_list().select_related("region", "category", "run")
    return _scope(rows, account, category_optional=True).order_by("pk")


def request_log_list(
    *,
    account_id: int | None = None,
    key_prefix: str = "",
    status: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[RequestLog]:
    rows = RequestLog.objects.all()
    if account_id is not None:
        rows = rows.filter(service_account_id=account_id)
    if key_prefix:
        rows = rows.filter(key_prefix=key_prefix)
    if status is not None:
        rows = rows.filter(status=status)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-id")


def feed_status(feed: Feed, *, now: dt.datetime | None = None) -> dict:
    """Last batch, counts, rejected rows and lateness (minutes past the cadence, 0 if on
    time) of one feed."""
    now = now or timezone.now()
    batches = AgencyBatch.objects.filter(feed=feed)
    totals = batches.aggregate(
        batches=Count("pk"),
        received=Sum("batch__received"),
        accepted=Sum("batch__accepted"),
        duplicates=Sum("batch__duplicates"),
        rejected=Sum("batch__rejected"),
        last_at=Max("created_at"),
    )
    last = batches.order_by("-pk").values_list("batch_id", flat=True).first()
    since = totals["last_at"] or feed.created_at
    late = (now - since).total_seconds() / 60 - feed.expected_cadence_minutes
    return {
        "last_batch": last,
        "last_batch_at": totals["last_at"],
        "batches": totals["batches"],
        "received": totals["received"] or 0,
        "accepted": totals["accepted"] or 0,
        "duplicates": totals["duplicates"] or 0,
        "rejected": totals["rejected"] or 0,
        "late_minutes": max(0, int(late)),
    }


def feeds_silent(*, now: dt.datetime | None = None) -> list[Feed]:
    """Active feeds whose last batch (or creation) is older than their cadence."""
    now = now or timezone.now()
    feeds = Feed.objects.filter(active=True, agency__active=True).select_related("agency")
    return [feed for feed in feeds if feed_status(feed, now=now)["late_minutes"] > 0]


def caller_summary(*, key) -> dict:
    """What a key may do: its account's scopes, limits, regions, categories, shared fields."""
    account = key.service_account
    rule = SharingRule.objects.filter(agency_id=account.agency_id).first()
    return {
        "agency": account.agency.code,
        "account": account.name,
        "key_prefix": key.prefix,
        "key_expires": key.expiry_date,
        "scopes": account.scopes,
        "rate_limit_per_minute": account.rate_limit,
        "push_max_records": settings.INTEROP_PUSH_MAX_RECORDS,
        "page_max": settings.INTEROP_PAGE_MAX,
        "regions": sorted(account.regions.values_list("code", flat=True)),
        "categories": sorted(account.categories.values_list("code", flat=True)),
        "shared_fields": sorted(rule.fields) if rule else [],
        "location_rounding_m": rule.location_rounding_m if rule else None,
    }
