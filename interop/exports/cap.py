"""Alerts as OASIS Common Alerting Protocol 1.2 XML (``urn:oasis:names:tc:emergency:cap:1.2``).

One alert gives one CAP message whose ``msgType`` follows its status: an open alert seen
once is an ``Alert``; a repeated or acknowledged one an ``Update`` and a resolved or
suppressed one a ``Cancel``, both referencing the original message (``references``). The
original's identifier is derived from the alert's UUID, so every export of one alert names
the same original. One ``info`` block per language (English and Arabic), with our severity
mapped onto CAP's urgency, severity and certainty, and one ``area``: the hotspot's outline,
else the region's boundary (as CAP polygons, simplified to at most ``MAX_POLYGON_POINTS``
points), else a circle around the alert's incidents, else the country.

Conformance to the official schema (``interop/schemas/cap/CAP-v1.2.xsd``) is checked by
``interop/tests/test_exports.py``.
"""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.urls import reverse
from django.utils import timezone

from analytics.models import Hotspot
from commands.choices import AlertStatus, Severity
from commands.models import Alert
from commands.notify.base import absolute_url
from incidents.models import Incident

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_POLYGON_POINTS = 100
MIN_CIRCLE_KM = 0.5

# Our severity → CAP (urgency, severity, certainty).
SEVERITY_TO_CAP = {
    Severity.CRITICAL: ("Immediate", "Extreme", "Observed"),
    Severity.HIGH: ("Expected", "Severe", "Likely"),
    Severity.MEDIUM: ("Future", "Moderate", "Possible"),
    Severity.LOW: ("Future", "Minor", "Possible"),
}
_DEFAULT_EVENT = {"en": "Security alert", "ar": "تنبيه أمني"}
_COUNTRY = {"en": "Kuwait", "ar": "الكويت"}
_SCOPES = ("Public", "Restricted", "Private")
_STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# CAP 1.2 §3.2.1: identifier and sender must not include spaces, commas or < &.
_CAP_TOKEN = re.compile(r"[^\s,<&]+")


def alert_to_cap(
    alert: Alert,
    *,
    sender: str,
    sender_name: str = "",
    status: str = "Actual",
    scope: str = "Restricted",
    restriction: str = "Shared with partner agencies; not for public release.",
    addresses: str = "",
    web: str = "",
    languages: Sequence[str] = ("en", "ar"),
    include_description: bool = True,
) -> bytes:
    """The CAP 1.2 message for ``alert`` as UTF-8 XML bytes.

    ``sender`` identifies the originator (e.g. ``khareetaty@moi.gov.kw``; no spaces, commas,
    ``<`` or ``&``). ``scope`` ``Restricted`` needs ``restriction``, ``Private`` needs
    ``addresses``. ``web`` defaults to the alert's API URL on ``SITE_URL``.
    ``include_description=False`` leaves the alert's message out (a sharing rule's choice).
    Raises ``ValueError`` on arguments CAP does not allow.
    """
    _check_arguments(sender, status, scope, restriction, addresses, languages)
    msg_type, sent = _message_type_and_time(alert)
    original = _identifier(alert)
    root = ET.Element(_tag("alert"))
    identifier = original if msg_type == "Alert" else f"{original}.{int(sent.timestamp())}"
    _add(root, "identifier", identifier)
    _add(root, "sender", sender)
    _add(root, "sent", _cap_time(sent))
    _add(root, "status", status)
    _add(root, "msgType", msg_type)
    _add(root, "scope", scope)
    if scope == "Restricted":
        _add(root, "restriction", restriction)
    if scope == "Private":
        _add(root, "addresses", addresses)
    if msg_type != "Alert":
        _add(root, "references", f"{sender},{original},{_cap_time(alert.first_seen_at)}")
    area = _area(alert)
    link = web or absolute_url(reverse("commands_api:alert-detail", args=[alert.pk]))
    for language in languages:
        info = _info(root, alert, language, msg_type, sent, sender_name, link, area)
        if not include_description:
            for description in info.findall(_tag("description")):
                info.remove(description)
    ET.register_namespace("", CAP_NAMESPACE)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _check_arguments(sender, status, scope, restriction, addresses, languages) -> None:
    if not _CAP_TOKEN.fullmatch(sender or ""):
        raise ValueError("sender must be non-empty, without spaces, commas, '<' or '&'")
    if status not in _STATUSES:
        raise ValueError(f"status must be one of {', '.join(_STATUSES)}")
    if scope not in _SCOPES:
        raise ValueError(f"scope must be one of {', '.join(_SCOPES)}")
    if scope == "Restricted" and not restriction.strip():
        raise ValueError("a Restricted message needs a restriction")
    if scope == "Private" and not addresses.strip():
        raise ValueError("a Private message needs addresses")
    if not languages or not set(languages) <= {"en", "ar"}:
        raise ValueError("languages must be a non-empty selection of 'en' and 'ar'")


def _identifier(alert: Alert) -> str:
    return f"khareetaty.alert.{alert.uuid}"


def _message_type_and_time(alert: Alert) -> tuple[str, datetime]:
    """``(msgType, sent)``: when the state the message describes began."""
    if alert.status == AlertStatus.RESOLVED:
        return "Cancel", alert.resolved_at or alert.updated_at
    if alert.status == AlertStatus.SUPPRESSED:
        return "Cancel", alert.suppressed_at or alert.updated_at
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return "Update", alert.acknowledged_at or alert.updated_at
    if alert.count > 1:
        return "Update", alert.last_seen_at
    return "Alert", alert.first_seen_at


def _info(root, alert, language, msg_type, sent, sender_name, link, area) -> ET.Element:
    urgency, severity, certainty = SEVERITY_TO_CAP[Severity(alert.severity)]
    if msg_type == "Cancel":
        urgency = "Past"
    info = ET.SubElement(root, _tag("info"))
    _add(info, "language", language)
    _add(info, "category", "Security")
    _add(info, "event", _event(alert, language))
    _add(info, "responseType", "AllClear" if msg_type == "Cancel" else "Monitor")
    _add(info, "urgency", urgency)
    _add(info, "severity", severity)
    _add(info, "certainty", certainty)
    _add(info, "effective", _cap_time(sent))
    _add(info, "onset", _cap_time(alert.first_seen_at))
    if alert.status == AlertStatus.SUPPRESSED and alert.suppressed_until:
        _add(info, "expires", _cap_time(alert.suppressed_until))
    if sender_name:
        _add(info, "senderName", sender_name)
    _add(info, "headline", alert.title_for(language)[:160])
    if alert.message_for(language):
        _add(info, "description", alert.message_for(language))
    if link:
        _add(info, "web", link)
    for name, value in (("KhareetatyAlertId", alert.pk), ("KhareetatyCount", alert.count)):
        parameter = ET.SubElement(info, _tag("parameter"))
        _add(parameter, "valueName", name)
        _add(parameter, "value", str(value))
    element = ET.SubElement(info, _tag("area"))
    _add(element, "areaDesc", area["desc"][language])
    for polygon in area["polygons"]:
        _add(element, "polygon", polygon)
    if area["circle"]:
        _add(element, "circle", area["circle"])
    return info


def _event(alert: Alert, language: str) -> str:
    category = alert.category
    if category is None:
        return _DEFAULT_EVENT[language]
    return (category.name_ar if language == "ar" else "") or category.name_en


def _area(alert: Alert) -> dict:
    """``{"desc": {lang: text}, "polygons": [...], "circle": str}`` for the alert's place."""
    region = alert.region
    desc = dict(_COUNTRY)
    if region is not None:
        desc = {"en": region.name_en, "ar": region.name_ar or region.name_en}
    hotspot = Hotspot.objects.filter(pk=alert.hotspot_id).only("geom").first()
    outline = hotspot.geom if hotspot else (region.geom if region else None)
    if outline is not None:
        return {"desc": desc, "polygons": cap_polygons(outline), "circle": ""}
    return {"desc": desc, "polygons": [], "circle": _incidents_circle(alert)}


def cap_polygons(geom: GEOSGeometry, max_points: int = MAX_POLYGON_POINTS) -> list[str]:
    """CAP polygons (``"lat,lon lat,lon …"``, WGS 84, closed rings of at least four points)
    for the outer rings of ``geom``, simplified until they hold ``max_points`` points."""
    geom = geom.transform(4326, clone=True) if geom.srid != 4326 else geom
    tolerance = 0.0001
    while _point_count(geom) > max_points and tolerance < 1:
        geom = geom.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    polygons = geom if isinstance(geom, MultiPolygon) else [geom]
    rings = [polygon.exterior_ring.coords for polygon in polygons if isinstance(polygon, Polygon)]
    return [
        " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in ring) for ring in rings if len(ring) >= 4
    ]


def _point_count(geom: GEOSGeometry) -> int:
    polygons = geom if isinstance(geom, MultiPolygon) else [geom]
    return sum(len(p.exterior_ring) for p in polygons if isinstance(p, Polygon))


def _incidents_circle(alert: Alert) -> str:
    """``"lat,lon radius_km"`` around the alert's incidents ("" when it has none)."""
    extent = Incident.objects.filter(alerts=alert).aggregate(box=Extent("geom"))["box"]
    if extent is None:
        return ""
    west, south, east, north = extent
    lat, lon = (south + north) / 2, (west + east) / 2
    radius = max(MIN_CIRCLE_KM, _haversine_km(lat, lon, north, east))
    return f"{lat:.5f},{lon:.5f} {radius:.2f}"


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _cap_time(value: datetime) -> str:
    """CAP's form: local time with its offset, whole seconds (``2026-12-03T15:00:00+03:00``)."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def _tag(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    element.text = _NOT_XML.sub("", str(text))
    return element
