"""What validation gives back (clean rows, clean records, row errors), the error collector,
and the shared constants."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from incidents.models import Category

# Sources without ids: a record of the same category within this time and distance of
# another is the same incident (the batch pipeline and single-record services both use it).
NEAR_DUPLICATE_SECONDS = 60
NEAR_DUPLICATE_METRES = 25

# A region code derived from source data (``regions.code_format``): plain ASCII, no markup.
REGION_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
WKT_POINT = r"^\s*(?:SRID=\d+;)?\s*POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$"
CLEAN_COLUMNS = [
    "external_id",
    "has_id",
    "category",
    "occurred_at",
    "reported_at",
    "lon",
    "lat",
    "area",
    "block",
    "severity",
    "channel",
    "description",
    "region_code",
]


@dataclass
class RowError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class CleanRecord:
    source: str
    external_id: str
    category_code: str
    occurred_at: dt.datetime
    reported_at: dt.datetime | None
    lon: float
    lat: float
    area: str
    block: str
    severity: int | None
    channel: str
    description: str
    region_code: str = (
        ""  # the source's own region label, formatted (profiles with a region column)
    )
    has_id: bool = True  # False: the source gave no id and ``external_id`` was derived


@dataclass
class FrameResult:
    """``clean``: valid rows (index = position in the chunk), columns ``CLEAN_COLUMNS``;
    ``errors``: position → every error of that row."""

    clean: pd.DataFrame
    errors: dict[int, list[RowError]] = field(default_factory=dict)


def known_category_codes() -> frozenset[str]:
    return frozenset(Category.objects.values_list("code", flat=True))


class Checker:
    """Collects failing-row masks; messages are built only for rows that fail."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bad = np.zeros(size, dtype=bool)
        self.errors: dict[int, list[RowError]] = {}

    def add(self, mask, field_name: str, code: str, message, values=None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        for pos in np.flatnonzero(mask):
            text = message(values.iloc[pos]) if callable(message) else message
            self.errors.setdefault(int(pos), []).append(RowError(field_name, code, text))


def stringify(value) -> str:
    """How a JSON value becomes a cell: null → empty, nested values → JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
