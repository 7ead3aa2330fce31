"""Test data for the reference-data, generator, service and API tests (on top of
``factories.py``): the shipped Kuwait reference data and valid canonical records."""

import datetime as dt
import json
from pathlib import Path

from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Category, Incident, Region
from incidents.reference import reference_data_load_defaults
from incidents.tests.factories import IncidentFactory

# Points well inside each governorate of the shipped boundaries (lon, lat).
PLACES = {
    "KW-KU": (47.995, 29.383),  # Sharq
    "KW-HA": (48.025, 29.338),  # Hawalli
    "KW-FA": (47.958, 29.277),  # Farwaniya
    "KW-MU": (48.062, 29.255),  # Sabah Al-Salem
    "KW-AH": (48.083, 29.077),  # Ahmadi
    "KW-JA": (47.658, 29.337),  # Jahra
}
SEA_NEAR_SALMIYA = (48.115, 29.345)  # in the Gulf, inside the service area


def kuwait_reference() -> None:
    """The shipped six governorates and nine categories."""
    reference_data_load_defaults()


def canonical_record(**overrides) -> dict:
    """A valid incident record in canonical fields (what the API takes)."""
    lon, lat = PLACES["KW-HA"]
    occurred = timezone.now() - dt.timedelta(hours=3)
    record = {
        "external_id": "API-0001",
        "category": "theft",
        "occurred_at": occurred.isoformat(),
        "lon": lon,
        "lat": lat,
        "area": "Hawalli",
        "block": "4",
        "severity": 2,
        "channel": "public_report",
        "description": "Phone stolen from a parked car",
    }
    record.update(overrides)
    return {key: value for key, value in record.items() if value is not None}


def incident_at(code: str, **fields) -> Incident:
    """An incident inside the governorate ``code`` (reference data must be loaded)."""
    lon, lat = PLACES[code]
    fields.setdefault("category", Category.objects.get(code=fields.pop("category_code", "theft")))
    return IncidentFactory(
        geom=Point(lon, lat, srid=4326),
        region=Region.objects.get(profile="kuwait", code=code),
        **fields,
    )


def write_geojson(path: Path, features: list[dict], crs: int | None = None) -> Path:
    """A FeatureCollection file; ``features`` are (properties, geometry) dicts."""
    document = {"type": "FeatureCollection", "features": features}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def square_feature(
    code: str, name: str, lon: float, lat: float, half: float = 0.05, **props
) -> dict:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
