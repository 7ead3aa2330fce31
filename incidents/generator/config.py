"""The generator's configuration (``incidents/data/kuwait_generator.yaml``), the CSV's
columns, the kinds of rows, and what a generated file reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CONFIG_FILE = DATA_DIR / "kuwait_generator.yaml"
CATEGORIES_FILE = DATA_DIR / "kuwait_categories.yaml"
COLUMNS = [
    "incident_id",
    "occurred_at",
    "reported_at",
    "category",
    "latitude",
    "longitude",
    "area",
    "block",
    "severity",
    "channel",
    "description",
]
CHANNELS = ("public_report", "patrol", "sensor", "partner")
GOOD, DUPLICATE, BAD_COORDINATES, UNKNOWN_CATEGORY, FUTURE_DATE = range(5)
KIND_NAMES = ("good", "duplicate", "bad_coordinates", "unknown_category", "future_date")
CHUNK_ROWS = 25_000  # rows formatted at once: bounds the memory of the text
KM_PER_DEGREE = 110.57


@dataclass(frozen=True)
class Hotspot:
    """A cluster that emerges, fades or flares up during the period (for analytics demos)."""

    kind: str  # "emerging", "fading" or "burst"
    category: str
    lat: float
    lon: float
    sigma_km: float
    start: dt.date
    end: dt.date
    rows: int


@dataclass
class GeneratedFile:
    """What was written, and what an ingest of the file must report."""

    path: Path
    rows: int
    counts: dict[str, int]
    hotspots: list[Hotspot]
    first_day: dt.date
    last_day: dt.date
    seconds: float = 0.0
    expected: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@lru_cache(maxsize=1)
def load_config() -> dict:
    config = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    categories = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))["categories"]
    config["category_table"] = [c for c in categories if c["code"] in config["categories"]]
    return config
