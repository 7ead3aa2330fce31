"""What leaves the system, decided in one place.

Every pull endpoint and every webhook delivery turns its rows into shared records here:
only the fields the agency's sharing rule lists, the location snapped to a grid of the
rule's metres, never free text (descriptions, notes) or personal data (no such field is
shareable at all: ``SharedField``). Each call records the share: who, what (kind and ids),
how many.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django_guid import get_guid

from commands.notify.base import absolute_url
from interop.choices import SharedField, ShareKind
from interop.exports.cap import alert_to_cap
from interop.exports.eido import EIDO_FIELDS, incident_to_eido
from interop.models import ServiceAccount, ShareRecord, SharingRule

METRES_PER_DEGREE = 111_320


def round_location(lon: float, lat: float, metres: int) -> tuple[float, float]:
    """The centre of the ``metres`` grid cell holding (lon, lat)."""
    lat_step = metres / METRES_PER_DEGREE
    rounded_lat = round(lat / lat_step) * lat_step
    lon_step = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(rounded_lat)), 0.01))
    return round(round(lon / lon_step) * lon_step, 6), round(rounded_lat, 6)


def _rule(account: ServiceAccount) -> SharingRule:
    rule = SharingRule.objects.filter(agency_id=account.agency_id).first()
    return rule or SharingRule(agency_id=account.agency_id, fields=[])


def _point(geom, rule: SharingRule, allowed: set[str]) -> dict | None:
    if geom is None or SharedField.LOCATION not in allowed:
        return None
    lon, lat = round_location(geom.x, geom.y, rule.location_rounding_m)
    return {"type": "Point", "coordinates": [lon, lat]}


def _feature(pk: int, geometry: dict | None, properties: dict) -> dict:
    return {"type": "Feature", "id": pk, "geometry": geometry, "properties": properties}


def _incident(row, rule: SharingRule, allowed: set[str]) -> dict:
    values = {
        SharedField.CATEGORY: lambda: row.category.code,
        SharedField.OCCURRED_AT: lambda: row.occurred_at.isoformat(),
        SharedField.REPORTED_AT: lambda: row.reported_at.isoformat() if row.reported_at else None,
        SharedField.REGION: lambda: row.region.code if row.region_id else None,
        SharedField.SEVERITY: lambda: row.severity,
        SharedField.STATUS: lambda: row.status,
        SharedField.CHANNEL: lambda: row.channel,
        SharedField.AREA: lambda: row.area,
        SharedField.BLOCK: lambda: row.block,
    }
    properties = {"updated_at": row.updated_at.isoformat()}
    properties |= {str(name): get() for name, get in values.items() if name in allowed}
    return _feature(row.pk, _point(row.geom, rule, allowed), properties)


def _hotspot(
    row, rule: SharingRule, allowed: set[str], categories: frozenset[str] | None = None
) -> dict:
    """A hotspot as an account limited to ``categories`` may see it: its count and
    per-category counts cover only those categories, and the severity-weighted score (which
    mixes every category) is withheld when any category was left out."""
    breakdown = row.category_breakdown
    if categories is not None:
        breakdown = {code: count for code, count in breakdown.items() if code in categories}
    trimmed = breakdown != row.category_breakdown
    properties = {
        "rank": row.rank,
        "incident_count": sum(breakdown.values()) if trimmed else row.incident_count,
        "score": None if trimmed else row.score,
        "trend": row.trend,
        "first_incident_at": row.first_incident_at.isoformat(),
        "last_incident_at": row.last_incident_at.isoformat(),
        "run": row.run_id,
    }
    if SharedField.REGION in allowed:
        properties["region"] = row.region.code if row.region_id else None
    if SharedField.CATEGORY in allowed:
        properties["categories"] = breakdown
    return _feature(row.pk, _point(row.centroid, rule, allowed), properties)


def _forecast(row, rule: SharingRule, allowed: set[str]) -> dict:
    properties = {
        "date": row.date.isoformat(),
        "yhat": row.yhat,
        "lower_80": row.lower_80,
        "upper_80": row.upper_80,
        "lower_95": row.lower_95,
        "upper_95": row.upper_95,
        "run": row.run_id,
        "region": row.region.code if row.region_id else None,
        "category": row.category.code if row.category_id else None,
    }
    return _feature(row.pk, None, properties)


def _alert(row, rule: SharingRule, allowed: set[str]) -> dict:
    properties = {
        "uuid": str(row.uuid),
        "severity": row.severity,
        "status": row.status,
        "title_en": row.title_en,
        "title_ar": row.title_ar,
        "first_seen_at": row.first_seen_at.isoformat(),
        "last_seen_at": row.last_seen_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "region": row.region.code if row.region_id else None,
        "category": row.category.code if row.category_id else None,
    }
    return _feature(row.pk, None, properties)


def _eido(row, rule: SharingRule, allowed: set[str]) -> dict:
    """NENA EIDO: the same fields (never the description), the same rounding."""
    return incident_to_eido(
        row,
        fields=(allowed | {"status"}) & EIDO_FIELDS - {"description", "external_id"},
        location_precision_m=rule.location_rounding_m,
    )


def _cap(row, rule: SharingRule, allowed: set[str]) -> bytes:
    """CAP 1.2, without the alert's description; its link is the interop URL."""
    host = urlsplit(settings.SITE_URL or "").hostname or "khareetaty.local"
    return alert_to_cap(
        row,
        sender=f"khareetaty@{host}",
        web=absolute_url(reverse("interop_api:v1_alert", args=[row.pk])),
        include_description=False,
    )


GEOJSON, EIDO, CAP = "geojson", "eido", "cap"
SHAPERS: dict[tuple[str, str], Callable[[Any, SharingRule, set[str]], Any]] = {
    (ShareKind.INCIDENTS, GEOJSON): _incident,
    (ShareKind.INCIDENTS, EIDO): _eido,
    (ShareKind.HOTSPOTS, GEOJSON): _hotspot,
    (ShareKind.FORECASTS, GEOJSON): _forecast,
    (ShareKind.ALERTS, GEOJSON): _alert,
    (ShareKind.ALERTS, CAP): _cap,
    (ShareKind.WEBHOOK, GEOJSON): _alert,
    (ShareKind.WEBHOOK_HOTSPOTS, GEOJSON): _hotspot,
}


def share_out(
    *, account: ServiceAccount, kind: str, rows: Sequence, form: str = GEOJSON
) -> list[Any]:
    """``rows`` (already limited to the account's regions and categories) as what the
    agency may receive: GeoJSON features, EIDO documents or CAP messages; the share is
    recorded."""
    rule = _rule(account)
    allowed = set(rule.fields)
    if not settings.INTEROP_SCOPE_FILTER_ENABLED:  # benchmark baseline only
        allowed = set(SharedField.values)
    shape = SHAPERS[(kind, form)]
    if shape is _hotspot and settings.INTEROP_SCOPE_FILTER_ENABLED:
        codes = account.categories.values_list("code", flat=True)
        shape = partial(_hotspot, categories=frozenset(codes))
    features = [shape(row, rule, allowed) for row in rows]
    ShareRecord.objects.create(
        agency_id=account.agency_id,
        service_account=account,
        kind=kind,
        count=len(features),
        object_ids=[row.pk for row in rows],
        fields=[f"format:{form}", *sorted(allowed)]
        if kind == ShareKind.INCIDENTS
        else [f"format:{form}"],
        request_id=(get_guid() or "")[:64],
    )
    return features
