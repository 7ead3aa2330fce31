"""Incidents as NENA Emergency Incident Data Objects (EIDO, NENA-STA-021.1b-2022, JSON).

An EIDO is a set of data components that reference each other by ``$id``: here one agency
(the owner, us), one incident component, and, when shared, one location (a PIDF-LO point)
and one note (the description). Only the fields named in ``fields`` leave; the others are
left out (the incident type then reads ``NCRNONE``, "no code"). Registry values (incident
type, status, location type, agency role) come from the standard's registries
(``interop/schemas/eido/registries.json``). Conformance to the published schema
(``interop/schemas/eido/openapi.yaml``) is checked by ``interop/tests/test_exports.py``.
"""

import math
import uuid
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import timezone

from incidents.choices import IncidentStatus
from incidents.models import Incident

EIDO_VERSION = "1.0"
EIDO_FIELDS = frozenset(
    {
        "category", "status", "severity", "location", "occurred_at", "region", "area",
        "block", "description", "external_id",
    }
)  # fmt: skip
# What leaves by default: never free text (description) or the source's own ids.
DEFAULT_FIELDS = frozenset({"category", "status", "severity", "location", "occurred_at", "region"})
# Our category codes → the EIDO "Incident Type - Common" registry (APCO 2.103.2 codes).
INCIDENT_TYPES = {
    "theft": "LARCENY",
    "burglary": "BURGLARY",
    "robbery": "ROBBERY",
    "assault": "ASSAULT",
    "vandalism": "VANDAL",
    "drug_offence": "DRUGS",
    "fraud": "FRAUD",
    "traffic_accident": "MVA",
    "public_disorder": "DISORD",
}
UNMAPPED_INCIDENT_TYPE = "INVEST"  # Investigation
NO_INCIDENT_TYPE = "NCRNONE"  # None - No Code Found (the category is not shared)
INCIDENT_STATUSES = {
    IncidentStatus.REPORTED: "Active",
    IncidentStatus.VERIFIED: "Active",
    IncidentStatus.CLOSED: "Closed",
}
_NAMESPACE = uuid.UUID("6f1d2a34-5c1e-4f0b-9d8e-4b6b8a1c2e77")  # Khareetaty EIDO component ids
_METRES_PER_DEGREE = 111_320.0


def incident_to_eido(
    incident: Incident,
    *,
    fields: Collection[str] = DEFAULT_FIELDS,
    agency_id: str = "",
    agency_types: Collection[str] = ("police",),
    issuing_element: str = "",
    location_precision_m: int = 0,
    incident_types: Mapping[str, str] = INCIDENT_TYPES,
) -> dict:
    """The EIDO (a JSON-ready dict) for ``incident``, holding only ``fields``.

    ``agency_id`` is our agency's globally unique id, a domain (default: the host of
    ``SITE_URL``, else ``khareetaty.local``); ``agency_types`` its IANA
    ``urn:emergency:service:responder`` types. ``location_precision_m`` snaps the point to
    a grid of that many metres (0: as recorded). Raises ``ValueError`` on unknown fields.
    """
    fields = frozenset(fields)
    if not fields <= EIDO_FIELDS:
        unknown = ", ".join(sorted(fields - EIDO_FIELDS))
        raise ValueError(f"unknown EIDO fields: {unknown}; use {', '.join(sorted(EIDO_FIELDS))}")
    if location_precision_m < 0:
        raise ValueError("location_precision_m must not be negative")
    agency_id = agency_id or _default_agency_id()
    incident_id = f"urn:emergency:uid:incidentid:{incident.pk}:{agency_id}"
    prologue = {
        "lastUpdateTimeStamp": _time(incident.updated_at),
        "updatedByAgencyReference": {"$ref": agency_id},
    }
    component = _incident_component(incident, fields, incident_types, prologue, incident_id)
    eido = {
        "$id": incident_id,
        **prologue,
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": issuing_element or f"khareetaty@{agency_id}",
        "agencyComponent": [
            {
                "$id": agency_id,
                **prologue,
                "agencyRoleDescriptionRegistryText": ["CallReceiving"],
                "agencyType": list(agency_types),
                "incidentOwningAgencyIndicator": True,
            }
        ],
        "incidentComponent": component,
    }
    if "location" in fields:
        location = _location_component(
            incident, fields, prologue, incident_id, location_precision_m
        )
        eido["locationComponent"] = [location]
        component["locationReference"] = [{"$ref": location["$id"]}]
    if "description" in fields and incident.description.strip():
        note = {
            "$id": _component_id(incident_id, "notes"),
            **prologue,
            "notesActionComments": escape(incident.description.strip()),
        }
        eido["notesComponent"] = [note]
        component["notesReference"] = [{"$ref": note["$id"]}]
    return eido


def _incident_component(incident, fields, incident_types, prologue, incident_id) -> dict:
    component = {"$id": _component_id(incident_id, "incident"), **prologue}
    category = incident.category
    if "category" in fields:
        code = incident_types.get(category.code, UNMAPPED_INCIDENT_TYPE)
        component["incidentTypeCommonRegistryText"] = code
        component["incidentTypeInternalCode"] = category.code
        component["incidentTypeInternalText"] = category.name_en
    else:
        component["incidentTypeCommonRegistryText"] = NO_INCIDENT_TYPE
    if "status" in fields:
        component["incidentStatusInternalText"] = [incident.status]
        component["incidentStatusCommonRegistryText"] = [INCIDENT_STATUSES[incident.status]]
    if "severity" in fields:
        component["incidentPriorityInternalText"] = str(incident.severity)
    if "external_id" in fields:
        component["internalIncidentId"] = f"{incident.source}:{incident.external_id}"
    if "region" in fields and incident.region_id:
        component["beatOrDispatchGroupText"] = incident.region.code
    return component


def _location_component(incident, fields, prologue, incident_id, precision_m) -> dict:
    lon, lat = _rounded(incident.geom, precision_m)
    when = _time(incident.occurred_at) if "occurred_at" in fields else ""
    location = {
        "$id": _component_id(incident_id, "location"),
        **prologue,
        "locationTypeDescriptionRegistryText": "CurrentIncident",
        "locationByValue": _pidf_lo(incident_id, lat, lon, when, precision_m),
    }
    description = _place_text(incident, fields)
    if description:
        location["locationDescriptionText"] = description
    return location


def _pidf_lo(entity: str, lat: float, lon: float, when: str, precision_m: int) -> str:
    """A PIDF-LO (RFC 4119/5491) document: a GML point, or a circle of the rounding's radius;
    ``dm:timestamp`` is when the incident happened there."""
    if precision_m:
        shape = (
            '<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">'
            f"<gml:pos>{lat:.6f} {lon:.6f}</gml:pos>"
            f'<gs:radius uom="urn:ogc:def:uom:EPSG::9001">{precision_m}</gs:radius></gs:Circle>'
        )
    else:
        shape = (
            '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
            f"<gml:pos>{lat:.6f} {lon:.6f}</gml:pos></gml:Point>"
        )
    timestamp = f"<dm:timestamp>{when}</dm:timestamp>" if when else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf"'
        ' xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"'
        ' xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"'
        ' xmlns:gml="http://www.opengis.net/gml"'
        ' xmlns:gs="http://www.opengis.net/pidflo/1.0"'
        f" entity={quoteattr('pres:' + entity)}>"
        '<dm:device id="incident"><gp:geopriv><gp:location-info>'
        f"{shape}</gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method>"
        f"</gp:geopriv>{timestamp}</dm:device></presence>"
    )


def _place_text(incident: Incident, fields: frozenset[str]) -> str:
    parts = []
    if "region" in fields and incident.region_id:
        parts.append(incident.region.name_en)
    if "area" in fields and incident.area:
        parts.append(incident.area)
    if "block" in fields and incident.block:
        parts.append(f"Block {incident.block}")
    return ", ".join(parts)


def _rounded(point, precision_m: int) -> tuple[float, float]:
    """``(lon, lat)`` in WGS 84, snapped to a ``precision_m`` grid when asked."""
    point = point.transform(4326, clone=True) if point.srid != 4326 else point
    lon, lat = point.x, point.y
    if not precision_m:
        return lon, lat
    lat_step = precision_m / _METRES_PER_DEGREE
    lat = round(lat / lat_step) * lat_step
    lon_step = precision_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return round(lon / lon_step) * lon_step, lat


def _component_id(incident_id: str, kind: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{incident_id}#{kind}')}"


def _default_agency_id() -> str:
    host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname
    return host or "khareetaty.local"


def _time(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")
