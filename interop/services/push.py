"""Incidents pushed by an agency: the ETL's own pipeline, with per-record results.

The records go through ``batch_ingest_records`` (the same readers, validation, duplicate
rules and loading as a file), read with the agency's source profile (its column names and
category mapping) under the agency's own source, ``agency:<code>``: its external ids are
unique within it, so pushing a record twice gives ``duplicate`` with the stored id, never a
second incident.
"""

from __future__ import annotations

import dataclasses
import threading
from functools import cache, lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from incidents.choices import BatchStatus
from incidents.models import Incident, IngestBatch, RejectedRow
from incidents.pipeline.services import batch_ingest_records
from incidents.profiles import Profile, load_profile
from interop.models import AgencyBatch, Feed, ServiceAccount
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError


class PushRefused(ApplicationError):
    code = "push_refused"


class PushBusy(ApplicationError):
    status_code = 503
    code = "busy"


@cache
def _slots() -> threading.BoundedSemaphore:
    """Pushes running at once in this process. Each holds two database connections (the
    pipeline reads ahead on its own connection), so unbounded concurrent pushes would
    exhaust the connection pool and fail together; past the bound they wait their turn."""
    return threading.BoundedSemaphore(settings.INTEROP_PUSH_CONCURRENCY)


@lru_cache(maxsize=256)
def agency_profile(profile_name: str, source: str) -> Profile:
    """The profile read under the agency's source (one object per pair: profiles are hashed
    by identity, so the pipeline's per-profile caches stay bounded)."""
    return dataclasses.replace(load_profile(profile_name), source=source)


def _feed(account: ServiceAccount, feed_name: str | None) -> Feed | None:
    feeds = Feed.objects.filter(agency=account.agency, active=True)
    if feed_name:
        feed = feeds.filter(name=feed_name).first()
        if feed is None:
            raise PushRefused(_("This agency has no active feed named %s.") % feed_name)
        return feed
    return feeds.filter(profile=account.agency.profile).order_by("pk").first()


def _results(batch: IngestBatch, records: list, profile: Profile, source: str) -> list[dict]:
    """One result per record, in order: accepted (id), duplicate (stored id), rejected."""
    accepted = dict(
        Incident.objects.filter(raw__batch_id=batch.pk).values_list("raw__row_number", "pk")
    )
    rejected = dict(RejectedRow.objects.filter(batch=batch).values_list("row_number", "errors"))
    id_column = profile.columns.get("external_id")
    external_ids = [
        str(r.get(id_column, "")).strip() if isinstance(r, dict) and id_column else ""
        for r in records
    ]
    stored = dict(
        Incident.objects.filter(
            source=source, external_id__in=set(external_ids) - {""}
        ).values_list("external_id", "pk")
    )
    results = []
    for index, external_id in enumerate(external_ids):
        row = index + 1
        result = {"index": index, "external_id": external_id}
        if row in rejected:
            result |= {"status": "rejected", "errors": rejected[row]}
        elif row in accepted:
            result |= {"status": "accepted", "id": accepted[row]}
        else:
            result |= {"status": "duplicate", "id": stored.get(external_id)}
        results.append(result)
    return results


def incidents_push(
    *, account: ServiceAccount, records: list, key_prefix: str = "", feed_name: str | None = None
) -> dict:
    """Ingest ``records`` (at most ``INTEROP_PUSH_MAX_RECORDS``) for ``account``'s agency;
    returns the batch id, its counts and every record's result."""
    if not records:
        raise PushRefused(_("The push holds no records."))
    if len(records) > settings.INTEROP_PUSH_MAX_RECORDS:
        raise PushRefused(
            _("At most %(limit)d records per push.") % {"limit": settings.INTEROP_PUSH_MAX_RECORDS}
        )
    agency = account.agency
    feed = _feed(account, feed_name)
    profile = agency_profile(feed.profile if feed else agency.profile, agency.source)
    if not connection.in_atomic_block:
        # Wait without holding a pooled connection: the running pushes need them.
        connection.close()
    if not _slots().acquire(timeout=settings.INTEROP_PUSH_WAIT_SECONDS):
        raise PushBusy(_("Too many pushes are running; retry in a few seconds."))
    try:
        batch = batch_ingest_records(
            records=records,
            profile_name=profile.name,
            profile=profile,
            name=f"interop:{agency.code}"[:500],
        )
    finally:
        _slots().release()
    with transaction.atomic():
        AgencyBatch.objects.create(batch=batch, agency=agency, feed=feed, service_account=account)
        audit_record(
            action="interop_push",
            obj=batch,
            summary={
                "agency": agency.code,
                "account": account.pk,
                "key": key_prefix,
                "feed": feed.name if feed else "",
                "status": batch.status,
                "received": batch.received,
                "accepted": batch.accepted,
                "duplicates": batch.duplicates,
                "rejected": batch.rejected,
            },
        )
    if batch.status != BatchStatus.DONE:
        raise PushRefused(batch.error_message or _("The push could not be read."))
    return {
        "batch": batch.pk,
        "received": batch.received,
        "accepted": batch.accepted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "results": _results(batch, records, profile, agency.source),
    }
