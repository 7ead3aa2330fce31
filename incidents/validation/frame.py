"""``validate_frame``, the one set of rules, as named steps over a chunk's columns, and
``validate_record``, which runs it on a one-row frame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.geo import RegionShapes, in_service_area, reproject
from incidents.profiles import FIELDS, Profile
from incidents.validation import fields
from incidents.validation.cells import longer_than, nul_cells, parse_timestamps, stripped_column
from incidents.validation.records import (
    CLEAN_COLUMNS,
    Checker,
    CleanRecord,
    FrameResult,
    RowError,
    known_category_codes,
    stringify,
)


@dataclass
class Cells:
    """A chunk's stripped cells by canonical field (``col``), the name each field's errors
    carry (``name``: the source column, or the canonical field), the field → column map."""

    col: dict[str, pd.Series]
    name: dict[str, str]
    columns: dict[str, str]
    canonical: bool
    size: int

    @classmethod
    def of(cls, frame: pd.DataFrame, profile: Profile, *, canonical: bool) -> Cells:
        columns = {f: f for f in FIELDS} if canonical else profile.columns
        return cls(
            col={f: stripped_column(frame, columns.get(f)) for f in FIELDS},
            name={f: columns.get(f, f) for f in FIELDS},
            columns=columns,
            canonical=canonical,
            size=len(frame),
        )


def validate_frame(
    frame: pd.DataFrame,
    profile: Profile,
    *,
    now: dt.datetime | None = None,
    known_categories: frozenset[str] | None = None,
    canonical: bool = False,
    shapes: RegionShapes | None = None,
) -> FrameResult:
    """Validate a chunk of source records (string cells, as read) against ``profile``.
    ``shapes``: the profile's regions, when the caller has loaded them already. The steps
    run in a fixed order, which is the order of each row's errors."""
    now = now or timezone.now()
    known = known_category_codes() if known_categories is None else known_categories
    cells = Cells.of(frame.reset_index(drop=True), profile, canonical=canonical)
    check = Checker(cells.size)
    now_ts = pd.Timestamp(now).tz_convert("UTC")
    _check_characters_required_lengths(cells, profile, check)
    values = {
        **_timestamps(cells, profile, now_ts, check),
        **_locations(cells, profile, shapes, check),
        **_labels(cells, profile, known, check),
    }
    clean = _clean_frame(cells, values)[~check.bad]
    fields.derive_missing_ids(clean)
    return FrameResult(clean=clean[CLEAN_COLUMNS], errors=check.errors)


def _check_characters_required_lengths(cells: Cells, profile: Profile, check: Checker) -> None:
    """NUL characters anywhere, required fields, and the profile's maximum lengths."""
    col, name = cells.col, cells.name
    for f in FIELDS:
        check.add(
            nul_cells(col[f]),
            name[f],
            "invalid_character",
            _("The value holds a NUL character (\\x00), which cannot be stored."),
        )
    required = ["category", "occurred_at"] + (["external_id"] if profile.id_required else [])
    required += ["wkt"] if "wkt" in cells.columns and not cells.canonical else ["lon", "lat"]
    for f in required:
        check.add(col[f] == "", name[f], "required", _("This field is required."))
    for f, limit in profile.max_lengths.items():
        check.add(
            longer_than(col[f], limit),
            name[f],
            "too_long",
            _("At most %(limit)d characters.") % {"limit": limit},
        )


def _timestamps(cells: Cells, profile: Profile, now_ts: pd.Timestamp, check: Checker) -> dict:
    """``occurred_at`` and ``reported_at`` in UTC: parseable, not in the future, not too old."""
    occurred = parse_timestamps(cells.col["occurred_at"], profile)
    reported = parse_timestamps(cells.col["reported_at"], profile)
    for f, parsed in (("occurred_at", occurred), ("reported_at", reported)):
        values = cells.col[f]
        check.add(
            (values != "") & parsed.isna(),
            cells.name[f],
            "invalid_timestamp",
            lambda v: (
                _("%(value)r is not a timestamp in the format %(format)s.")
                % {"value": v, "format": profile.timestamp_format}
            ),
            values,
        )
        check.add(
            (parsed > now_ts + profile.future_tolerance).fillna(False).to_numpy(dtype=bool),
            cells.name[f],
            "future_timestamp",
            _("The time is in the future."),
        )
    check.add(
        (occurred < now_ts - profile.max_age).fillna(False).to_numpy(dtype=bool),
        cells.name["occurred_at"],
        "too_old",
        _("The time is more than %(years)d years ago.") % {"years": profile.max_age.days // 365},
    )
    return {"occurred_at": occurred, "reported_at": reported}


def _locations(cells: Cells, profile: Profile, shapes: RegionShapes | None, check: Checker) -> dict:
    """Coordinates: numeric, reprojected to WGS 84, in range, inside the service area."""
    lons, lats, coord_field = fields.coordinates(
        cells.col, cells.name, cells.columns, cells.canonical, check
    )
    ok = np.isfinite(lons) & np.isfinite(lats)
    if profile.crs != 4326 and ok.any():
        lons, lats = lons.copy(), lats.copy()  # the frame's own arrays may be read-only
        lons[ok], lats[ok] = reproject(lons[ok], lats[ok], profile.crs)
    in_range = ok & (np.abs(lons) <= 180) & (np.abs(lats) <= 90)
    check.add(
        ok & ~in_range,
        coord_field,
        "invalid_coordinate",
        _("Longitude must be within ±180 and latitude within ±90."),
    )
    inside = np.zeros(cells.size, dtype=bool)
    if in_range.any():
        inside[in_range] = in_service_area(lons[in_range], lats[in_range], profile, shapes)
    check.add(
        in_range & ~inside,
        coord_field,
        "outside_service_area",
        _("The location is outside the service area of profile %(profile)s.")
        % {"profile": profile.name},
    )
    return {"lon": lons, "lat": lats}


def _labels(cells: Cells, profile: Profile, known: frozenset[str], check: Checker) -> dict:
    """Category, severity, channel and region code, each mapped by the profile."""
    col, name = cells.col, cells.name
    return {
        "category": fields.category(col["category"], name["category"], profile, known, check),
        "severity": fields.severity(col["severity"], name["severity"], check),
        "channel": fields.channel(col["channel"], name["channel"], profile, check),
        "region_code": fields.region_codes(col["region"], name["region"], profile, check),
    }


def _clean_frame(cells: Cells, values: dict) -> pd.DataFrame:
    """Every row with its clean values (the caller keeps the valid ones)."""
    col = cells.col
    return pd.DataFrame(
        {
            "external_id": col["external_id"],
            "has_id": col["external_id"] != "",
            "category": values["category"],
            "occurred_at": values["occurred_at"],
            "reported_at": values["reported_at"],
            "lon": values["lon"],
            "lat": values["lat"],
            "area": col["area"],
            "block": col["block"],
            "severity": values["severity"],
            "channel": values["channel"],
            "description": col["description"],
            "region_code": values["region_code"],
        }
    )


def validate_record(
    record: dict,
    profile: Profile,
    *,
    now: dt.datetime | None = None,
    canonical: bool = False,
    known_categories: frozenset[str] | None = None,
) -> tuple[CleanRecord | None, list[RowError]]:
    """Validate one record with exactly the batch rules (it runs ``validate_frame``).

    ``record`` is keyed by the profile's source columns, or with ``canonical=True`` by the
    canonical field names (``external_id``, ``category``, ``occurred_at``, ``lon``, ``lat`` …),
    which is what the incidents API uses. Returns the clean record or None and every error.
    """
    frame = pd.DataFrame([{k: stringify(v) for k, v in record.items()}], dtype=object)
    result = validate_frame(
        frame, profile, now=now, known_categories=known_categories, canonical=canonical
    )
    if result.errors:
        return None, result.errors[0]
    row = result.clean.iloc[0]
    return (
        CleanRecord(
            source=profile.source,
            external_id=row["external_id"],
            category_code=row["category"],
            occurred_at=row["occurred_at"].to_pydatetime(),
            reported_at=None if pd.isna(row["reported_at"]) else row["reported_at"].to_pydatetime(),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            area=row["area"],
            block=row["block"],
            severity=None if pd.isna(row["severity"]) else int(row["severity"]),
            channel=row["channel"],
            description=row["description"],
            region_code=row["region_code"],
            has_id=bool(row["has_id"]),
        ),
        [],
    )
