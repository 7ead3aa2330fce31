"""Incidents as NENA EIDO JSON, checked against the vendored published schema (the OpenAPI
components of NENA911/EIDO-JSON) with ``jsonschema``."""

import hashlib
import json
import math
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.contrib.gis.geos import Point
from django.utils import timezone
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from interop.exports.eido import (
    INCIDENT_STATUSES,
    INCIDENT_TYPES,
    NO_INCIDENT_TYPE,
    UNMAPPED_INCIDENT_TYPE,
    incident_to_eido,
)

EIDO_DIR = Path(__file__).resolve().parents[1] / "schemas" / "eido"
EIDO_ROOT = "file:///eido/openapi.yaml#/components/schemas/EmergencyIncidentDataObjectType"
_COUNTS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}


def _fix_erratum(node):
    """``minItems: 1,`` in NENA's YAML reads as the string "1," (NOTICE.md): use the integer."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _COUNTS and isinstance(value, str) and re.fullmatch(r"\d+,", value):
                node[key] = int(value[:-1])
            else:
                _fix_erratum(value)
    elif isinstance(node, list):
        for value in node:
            _fix_erratum(value)
    return node


def _retrieve(uri: str) -> Resource:
    """Files of the vendored schema, by their path under ``file:///eido/``."""
    path = posixpath.normpath(urlsplit(uri).path).removeprefix("/eido/")
    with (EIDO_DIR / path).open(encoding="utf-8") as handle:
        contents = _fix_erratum(yaml.load(handle, Loader=yaml.CSafeLoader))
    return Resource.from_contents(contents, default_specification=DRAFT4)


@pytest.fixture(scope="module")
def eido_validator() -> Draft4Validator:
    """The published schema (OpenAPI 3.0 components, a JSON Schema draft 4 dialect)."""
    return Draft4Validator(
        {"$ref": EIDO_ROOT},
        registry=Registry(retrieve=_retrieve),
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )


def eido_errors(validator: Draft4Validator, eido: dict) -> list[str]:
    document = json.loads(json.dumps(eido))  # exactly what would be sent as JSON
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def incident(db):
    region = RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")
    burglary = CategoryFactory(code="burglary", name_en="Burglary", name_ar="سرقة منازل")
    return IncidentFactory(
        category=burglary,
        region=region,
        geom=Point(48.012345, 29.334567, srid=4326),
        area="Salmiya",
        block="4",
        severity=4,
        external_id="KW-2026-0042",
        description="Witness Ahmad (+96550001234) saw two men leave.",
    )


def test_the_vendored_eido_schema_is_nenas_unmodified_and_complete():
    notice = (EIDO_DIR / "NOTICE.md").read_text(encoding="utf-8")
    assert hashlib.sha256((EIDO_DIR / "openapi.yaml").read_bytes()).hexdigest() in notice
    niem = sorted((EIDO_DIR / "NIEMComponents").glob("*.yaml"))
    joined = b"".join(path.read_bytes() for path in niem)
    assert len(niem) == 43 and hashlib.sha256(joined).hexdigest() in notice
    for path in [EIDO_DIR / "openapi.yaml", *niem]:  # every file a $ref names is here
        for target in set(re.findall(r"([\w./-]+\.yaml)#", path.read_text(encoding="utf-8"))):
            assert (path.parent / posixpath.normpath(target)).is_file(), (path.name, target)


def test_the_eido_schema_accepts_nenas_sample_and_refuses_a_broken_one(eido_validator):
    sample = json.loads((EIDO_DIR / "Sample call transfer EIDO.json").read_text("utf-8"))
    assert eido_errors(eido_validator, sample) == []
    del sample["agencyComponent"]
    sample["locationComponent"][0]["locationTypeDescriptionRegistryText"] = 5
    errors = eido_errors(eido_validator, sample)
    assert any("'agencyComponent' is a required property" in e for e in errors)
    assert any("5 is not of type 'string'" in e for e in errors)


@pytest.mark.django_db
def test_an_incident_is_a_conforming_eido_without_free_text_by_default(
    eido_validator, incident, settings
):
    settings.SITE_URL = "https://khareetaty.moi.gov.kw"
    eido = incident_to_eido(incident)

    assert eido_errors(eido_validator, eido) == []
    assert eido["$id"] == f"urn:emergency:uid:incidentid:{incident.pk}:khareetaty.moi.gov.kw"
    assert eido["eidoVersion"] == "1.0"
    [agency] = eido["agencyComponent"]
    assert agency["$id"] == eido["updatedByAgencyReference"]["$ref"] == "khareetaty.moi.gov.kw"
    component = eido["incidentComponent"]
    assert component["incidentTypeCommonRegistryText"] == "BURGLARY"
    assert component["incidentTypeInternalCode"] == "burglary"
    assert component["incidentStatusCommonRegistryText"] == ["Active"]
    assert component["incidentPriorityInternalText"] == "4"
    assert component["beatOrDispatchGroupText"] == "hawalli"
    [location] = eido["locationComponent"]
    assert component["locationReference"] == [{"$ref": location["$id"]}]
    assert location["locationTypeDescriptionRegistryText"] == "CurrentIncident"
    assert location["locationDescriptionText"] == "Hawalli"  # area and block are opt-in
    pidf = ET.fromstring(location["locationByValue"].encode())  # noqa: S314 - our own output
    gml = "{http://www.opengis.net/gml}"
    assert pidf.find(f".//{gml}Point/{gml}pos").text == "29.334567 48.012345"  # lat lon
    occurred = timezone.localtime(incident.occurred_at).isoformat(timespec="seconds")
    stamp = pidf.find(".//{urn:ietf:params:xml:ns:pidf:data-model}timestamp").text
    assert stamp == occurred
    dumped = json.dumps(eido, ensure_ascii=False)
    assert "Ahmad" not in dumped and "KW-2026-0042" not in dumped and "Salmiya" not in dumped
    assert "notesComponent" not in eido


@pytest.mark.django_db
def test_only_the_fields_asked_for_leave(eido_validator, incident):
    eido = incident_to_eido(incident, fields={"description", "external_id", "area", "block"})

    assert eido_errors(eido_validator, eido) == []
    component = eido["incidentComponent"]
    assert component["incidentTypeCommonRegistryText"] == "NCRNONE"  # category not shared
    assert "incidentTypeInternalCode" not in component and "locationComponent" not in eido
    assert (
        "incidentStatusInternalText" not in component and "beatOrDispatchGroupText" not in component
    )
    assert component["internalIncidentId"] == "kuwait:KW-2026-0042"
    [note] = eido["notesComponent"]
    assert component["notesReference"] == [{"$ref": note["$id"]}]
    assert note["notesActionComments"] == incident.description
    ids = [eido["$id"], component["$id"], note["$id"], eido["agencyComponent"][0]["$id"]]
    assert len(set(ids)) == len(ids)  # every data component has its own id


@pytest.mark.django_db
def test_a_rounded_location_is_a_circle_of_that_radius_on_the_grid(eido_validator, incident):
    eido = incident_to_eido(incident, location_precision_m=500, agency_id="moi.gov.kw")
    assert eido_errors(eido_validator, eido) == []
    pidf = ET.fromstring(eido["locationComponent"][0]["locationByValue"].encode())  # noqa: S314
    circle = pidf.find(".//{http://www.opengis.net/pidflo/1.0}Circle")
    lat, lon = map(float, circle.find("{http://www.opengis.net/gml}pos").text.split())
    radius = circle.find("{http://www.opengis.net/pidflo/1.0}radius").text
    assert radius == "500"
    assert lat != 29.334567 and abs(lat - 29.334567) * 111_320 <= 250  # snapped, within half
    assert abs(lon - 48.012345) * 111_320 * math.cos(math.radians(lat)) <= 251
    steps = lat * 111_320 / 500  # on the 500 m grid (to the 6 decimals written)
    assert abs(steps - round(steps)) < 0.001


@pytest.mark.django_db
def test_every_registry_value_the_export_writes_is_in_nenas_registries(eido_validator):
    registries = json.loads((EIDO_DIR / "registries.json").read_text("utf-8"))
    types = set(registries["IncidentTypeCommon"])
    assert set(INCIDENT_TYPES.values()) | {UNMAPPED_INCIDENT_TYPE, NO_INCIDENT_TYPE} <= types
    assert set(INCIDENT_STATUSES.values()) <= set(registries["IncidentStatusCommon"])
    assert "CurrentIncident" in registries["LocationType"]
    assert "CallReceiving" in registries["AgencyRole"]
    for status in ("reported", "verified", "closed"):  # every status of ours maps
        other = IncidentFactory(category=CategoryFactory(code="arson"), status=status)
        eido = incident_to_eido(other)
        assert eido["incidentComponent"]["incidentTypeCommonRegistryText"] == "INVEST"
        assert eido_errors(eido_validator, eido) == []


@pytest.mark.django_db
def test_unknown_fields_are_refused(incident):
    with pytest.raises(ValueError, match="unknown EIDO fields: phone"):
        incident_to_eido(incident, fields={"category", "phone"})
    with pytest.raises(ValueError):
        incident_to_eido(incident, location_precision_m=-1)
