"""Demo gazetteer for the Kuwait profile: one area around each urban centre of the demo
generator (``kuwait_generator.yaml``) split into a 4 x 3 grid of blocks numbered 1 to 12 (the
block numbers the generator writes). Squares, NOT real boundaries: the outlines are
labelled as demo on the map. Real areas and blocks (PACI) are loaded with
``load_gazetteer``."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import yaml

from incidents.reference import DATA_DIR

DEMO_SOURCE = "Demo outlines (not real boundaries)"
GENERATOR_FILE = DATA_DIR / "kuwait_generator.yaml"
BLOCK_COLUMNS, BLOCK_ROWS = 4, 3
KM_PER_DEGREE = 111.32


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _area_box(centre: dict) -> tuple[float, float, float, float]:
    """A square about 2.4 sigma wide around the centre (at most 4 km, so areas stay apart)."""
    half_km = min(1.2 * float(centre["sigma_km"]), 2.0)
    half_lat = half_km / KM_PER_DEGREE
    half_lon = half_km / (KM_PER_DEGREE * math.cos(math.radians(float(centre["lat"]))))
    lat, lon = float(centre["lat"]), float(centre["lon"])
    return lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat


def _blocks(area_code: str, box: tuple[float, float, float, float]) -> list[dict]:
    west, south, east, north = box
    width, height = (east - west) / BLOCK_COLUMNS, (north - south) / BLOCK_ROWS
    features = []
    for number in range(1, BLOCK_COLUMNS * BLOCK_ROWS + 1):
        column, row = (number - 1) % BLOCK_COLUMNS, (number - 1) // BLOCK_COLUMNS
        left, top = west + column * width, north - row * height
        properties = {"kind": "block", "code": f"{area_code}-{number}", "name": str(number)}
        properties.update({"name_ar": str(number), "area": area_code, "region": "", "demo": 1})
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": _square(left, top - height, left + width, top),
            }
        )
    return features


def demo_gazetteer_features(config_file: Path = GENERATOR_FILE) -> list[dict]:
    """GeoJSON features: the demo areas (with their region code) and their blocks."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    features: list[dict] = []
    for centre in config["centres"]:
        code = f"{centre['region']}-{_slug(centre['name'])}"
        box = _area_box(centre)
        properties = {"kind": "area", "code": code, "name": centre["name"]}
        properties.update({"name_ar": centre["name_ar"], "area": "", "region": centre["region"]})
        properties["demo"] = 1
        features.append({"type": "Feature", "properties": properties, "geometry": _square(*box)})
        features.extend(_blocks(code, box))
    return features


def demo_gazetteer_write(path: Path) -> Path:
    """Write the demo gazetteer as a GeoJSON file (loaded by ``load_gazetteer``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": demo_gazetteer_features()}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path
