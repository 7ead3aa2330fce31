"""Reference data: regions (boundaries) and categories, loaded from files, and the shipped
Kuwait defaults. Every load is audited."""

from __future__ import annotations

from pathlib import Path

import yaml

from incidents.models import Region
from incidents.reference.categories import categories_load
from incidents.reference.regions import regions_load
from incidents.reference.reports import (
    CategoryLoadReport,
    DefaultsReport,
    GeometryRepair,
    LoadReport,
    ReferenceDataError,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_REGIONS_FILE = DATA_DIR / "kuwait_regions.yaml"
DEFAULT_CATEGORIES_FILE = DATA_DIR / "kuwait_categories.yaml"

__all__ = [
    "DATA_DIR",
    "DEFAULT_CATEGORIES_FILE",
    "DEFAULT_REGIONS_FILE",
    "CategoryLoadReport",
    "DefaultsReport",
    "GeometryRepair",
    "LoadReport",
    "ReferenceDataError",
    "categories_load",
    "reference_data_load_defaults",
    "regions_load",
]


def _defaults_config(path: Path = DEFAULT_REGIONS_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reference_data_load_defaults(*, actor=None) -> DefaultsReport:
    """Load the shipped Kuwait regions and categories. Idempotent and cheap when loaded:
    regions are loaded only if the profile has none (official boundaries loaded with
    ``load_regions`` are never overwritten), categories only created when missing."""
    config = _defaults_config()
    regions_report = None
    if not Region.objects.filter(profile=config["profile"]).exists():
        regions_report = regions_load(
            path=DATA_DIR / config["boundaries"],
            profile=config["profile"],
            code_field=config["code_field"],
            name_field=config["name_field"],
            name_ar_by_code={item["code"]: item["name_ar"] for item in config["regions"]},
            actor=actor,
        )
    categories_report = categories_load(
        path=DEFAULT_CATEGORIES_FILE, update_existing=False, actor=actor
    )
    return DefaultsReport(regions=regions_report, categories=categories_report)
