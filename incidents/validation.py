"""Record validation: one set of rules for the batch pipeline and for single records.

``validate_frame`` checks a chunk of records at once (vectorised with pandas) and is what the
pipeline runs. ``validate_record`` runs the very same function on a one-row frame, so a
record accepted through the API and one accepted from a file cannot be judged differently.

Every failing record gets every error found, each ``RowError(field, code, message)``:
``field`` names the source column (or the canonical field for canonical records), ``code`` is
stable for programs, ``message`` is for the person fixing the data.

Error codes: ``required``, ``too_long``, ``invalid_timestamp``, ``future_timestamp``,
``too_old``, ``invalid_coordinate``, ``invalid_wkt``, ``outside_service_area``,
``unknown_category``, ``category_excluded``, ``invalid_severity``, ``invalid_channel``,
``malformed_row`` (reader: wrong number of CSV fields), ``invalid_record`` (reader: a JSON
item that is not an object).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.geo import RegionShapes, in_service_area, reproject
from incidents.models import Category
from incidents.profiles import FIELDS, Profile, normalise_label

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


class _Checker:
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


def stripped_column(frame: pd.DataFrame, name: str | None) -> pd.Series:
    """A column as stripped strings (object dtype), missing cells as ""."""
    if name is None or name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    values = frame[name]
    if values.dtype != object:
        values = values.astype(object)
    if values.hasnans:
        values = values.fillna("")
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = values.map(str)
    cells = values.tolist()
    stripped = list(map(str.strip, cells))  # C-level loops: no pandas call per cell
    if stripped != cells:
        values = pd.Series(stripped, index=values.index, dtype=object)
    return values


def nul_cells(values: pd.Series) -> np.ndarray:
    """Which cells hold a NUL character, which PostgreSQL text cannot store (one C-level scan
    of the joined column first: almost no column has one)."""
    if "\x00" not in "".join(values.tolist()):
        return np.zeros(len(values), dtype=bool)
    return values.str.contains("\x00", regex=False).to_numpy(dtype=bool)


# Whether any cell of a column ends in a UTC offset, in one C-level regex pass over the
# column joined by NUL and reversed: the reversed pattern starts with the literal separator,
# which the regex engine finds with a fast scan instead of trying every "-" of every date.
# A cell holding NUL can only cause a false hit, which just takes the per-cell path.
_SEP = "\x00"
_OFFSET_START_REVERSED = re.compile(r"\x00(?:Z|\d\d:?\d\d[+-])")


def _any_offset(values: pd.Series) -> bool:
    joined = _SEP.join(values.tolist())
    return _OFFSET_START_REVERSED.search(_SEP + joined[::-1]) is not None


def parse_timestamps(values: pd.Series, profile: Profile) -> pd.Series:
    """Parse source timestamps to UTC. Values with an offset keep it; values without one are
    the profile's local time (a repeated DST hour resolves per ``timestamp.ambiguous``, a
    skipped one moves forward). Unparseable values become NaT."""
    fmt = profile.timestamp_format
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    present = values != ""
    if not present.any():
        return out
    if _any_offset(values):
        has_offset = present & values.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    else:
        has_offset = pd.Series(False, index=values.index)
    naive = present & ~has_offset
    if naive.any():
        parsed = pd.to_datetime(values[naive], format=fmt, errors="coerce")
        if getattr(parsed.dt, "tz", None) is None:
            flags = np.full(len(parsed), profile.ambiguous_dst == "earliest")
            parsed = parsed.dt.tz_localize(profile.tz, ambiguous=flags, nonexistent="shift_forward")
        out[naive] = parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    if has_offset.any():
        parsed = pd.to_datetime(values[has_offset], format=fmt, errors="coerce", utc=True)
        out[has_offset] = parsed.astype("datetime64[us, UTC]")
    return out


def _longer_than(values: pd.Series, limit: int) -> np.ndarray:
    lengths = np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))
    return lengths > limit


def _map_labels(values: pd.Series, lookup) -> pd.Series:
    uniques = values.unique()
    return values.map({u: lookup(u) for u in uniques})


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
    ``shapes``: the profile's regions, when the caller has loaded them already."""
    now = now or timezone.now()
    known = known_category_codes() if known_categories is None else known_categories
    frame = frame.reset_index(drop=True)
    columns = {f: f for f in FIELDS} if canonical else profile.columns
    col = {f: stripped_column(frame, columns.get(f)) for f in FIELDS}
    name = {f: columns.get(f, f) for f in FIELDS}
    check = _Checker(len(frame))
    now_ts = pd.Timestamp(now).tz_convert("UTC")

    for f in FIELDS:
        check.add(
            nul_cells(col[f]),
            name[f],
            "invalid_character",
            _("The value holds a NUL character (\\x00), which cannot be stored."),
        )

    # Required fields and lengths.
    required = ["category", "occurred_at"] + (["external_id"] if profile.id_required else [])
    required += ["wkt"] if "wkt" in columns and not canonical else ["lon", "lat"]
    for f in required:
        check.add(col[f] == "", name[f], "required", _("This field is required."))
    for f, limit in profile.max_lengths.items():
        check.add(
            _longer_than(col[f], limit),
            name[f],
            "too_long",
            _("At most %(limit)d characters.") % {"limit": limit},
        )

    # Timestamps.
    occurred = parse_timestamps(col["occurred_at"], profile)
    reported = parse_timestamps(col["reported_at"], profile)
    for f, parsed in (("occurred_at", occurred), ("reported_at", reported)):
        values = col[f]
        check.add(
            (values != "") & parsed.isna(),
            name[f],
            "invalid_timestamp",
            lambda v: (
                _("%(value)r is not a timestamp in the format %(format)s.")
                % {"value": v, "format": profile.timestamp_format}
            ),
            values,
        )
        check.add(
            (parsed > now_ts + profile.future_tolerance).fillna(False).to_numpy(dtype=bool),
            name[f],
            "future_timestamp",
            _("The time is in the future."),
        )
    check.add(
        (occurred < now_ts - profile.max_age).fillna(False).to_numpy(dtype=bool),
        name["occurred_at"],
        "too_old",
        _("The time is more than %(years)d years ago.") % {"years": profile.max_age.days // 365},
    )

    # Coordinates: numeric, reprojected, inside the service area.
    lons, lats, coord_field = _coordinates(col, name, columns, canonical, check)
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
    inside = np.zeros(len(frame), dtype=bool)
    if in_range.any():
        inside[in_range] = in_service_area(lons[in_range], lats[in_range], profile, shapes)
    check.add(
        in_range & ~inside,
        coord_field,
        "outside_service_area",
        _("The location is outside the service area of profile %(profile)s.")
        % {"profile": profile.name},
    )

    # Category, severity, channel.
    categories = _category(col["category"], name["category"], profile, known, check)
    severity = _severity(col["severity"], name["severity"], check)
    channel = _channel(col["channel"], name["channel"], profile, check)
    region_codes = _region_codes(col["region"], name["region"], profile, check)

    clean = pd.DataFrame(
        {
            "external_id": col["external_id"],
            "has_id": col["external_id"] != "",
            "category": categories,
            "occurred_at": occurred,
            "reported_at": reported,
            "lon": lons,
            "lat": lats,
            "area": col["area"],
            "block": col["block"],
            "severity": severity,
            "channel": channel,
            "description": col["description"],
            "region_code": region_codes,
        }
    )[~check.bad]
    _derive_missing_ids(clean)
    return FrameResult(clean=clean[CLEAN_COLUMNS], errors=check.errors)


def _coordinates(col, name, columns, canonical, check) -> tuple[np.ndarray, np.ndarray, str]:
    if "wkt" in columns and not canonical:
        wkt = col["wkt"]
        parts = wkt.str.extract(WKT_POINT)
        lons = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
        lats = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
        check.add(
            (wkt != "") & ~(np.isfinite(lons) & np.isfinite(lats)),
            name["wkt"],
            "invalid_wkt",
            lambda v: _("%(value)r is not a WKT POINT (x y).") % {"value": v[:80]},
            wkt,
        )
        return lons, lats, name["wkt"]
    out = []
    for f in ("lon", "lat"):
        values = col[f]
        numbers = pd.to_numeric(values.where(values != "", None), errors="coerce").to_numpy(
            dtype=float
        )
        check.add(
            (values != "") & ~np.isfinite(numbers),
            name[f],
            "invalid_coordinate",
            lambda v: _("%(value)r is not a number.") % {"value": v[:80]},
            values,
        )
        out.append(numbers)
    return out[0], out[1], name["lat"]


def _category(values, field_name, profile, known, check) -> pd.Series:
    excluded = _map_labels(values, lambda v: normalise_label(v) in profile.excluded_categories)
    check.add(
        (values != "") & excluded.to_numpy(dtype=bool),
        field_name,
        "category_excluded",
        lambda v: (
            _("Category %(value)r is excluded by profile %(profile)s.")
            % {"value": v, "profile": profile.name}
        ),
        values,
    )
    codes = _map_labels(values, profile.map_category)
    unknown = (values != "") & ~excluded.astype(bool) & ~codes.isin(known)
    check.add(
        unknown,
        field_name,
        "unknown_category",
        lambda v: _("Category %(value)r is not mapped to a known category.") % {"value": v},
        values,
    )
    return codes


def _severity(values, field_name, check) -> pd.Series:
    numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
    valid = numbers.isin([1, 2, 3, 4, 5])
    check.add(
        (values != "") & ~valid,
        field_name,
        "invalid_severity",
        lambda v: _("Severity must be a whole number from 1 to 5 (got %(value)r).") % {"value": v},
        values,
    )
    return numbers.where(valid).astype("Int16")


def _channel(values, field_name, profile, check) -> pd.Series:
    codes = _map_labels(values, lambda v: profile.channels.get(normalise_label(v)) if v else "")
    check.add(
        codes.isna(),
        field_name,
        "invalid_channel",
        lambda v: _("Unknown channel %(value)r.") % {"value": v},
        values,
    )
    return codes.fillna("").replace("", profile.default_channel)


def _region_codes(values: pd.Series, field_name: str, profile: Profile, check) -> pd.Series:
    """Region codes from the source's region column (``regions.code_format``). A code becomes
    a region (and its name) for everyone to see, so it must match ``REGION_CODE``; the value
    is not echoed in the message."""
    fmt = profile.regions.code_format
    codes = _map_labels(values, lambda v: fmt.format(v) if v else "")
    if (values != "").any():
        valid = _map_labels(codes, lambda c: c == "" or REGION_CODE.fullmatch(c) is not None)
        check.add(
            ~valid.to_numpy(dtype=bool),
            field_name,
            "invalid_region_code",
            _(
                "The region does not make a valid region code (a letter or digit, then up to "
                "31 letters, digits, '_', '.' or '-')."
            ),
        )
    return codes


def _derive_missing_ids(clean: pd.DataFrame) -> None:
    """Sources without ids: a stable id from category, time and location (6 decimals) so
    re-ingesting the same record is caught by the unique key; near-duplicates (one minute,
    25 metres) are caught by the pipeline."""
    missing = ~clean["has_id"]
    if not missing.any():
        return
    key = pd.DataFrame(
        {
            "c": clean.loc[missing, "category"],
            "t": clean.loc[missing, "occurred_at"].astype("int64"),
            "x": clean.loc[missing, "lon"].round(6),
            "y": clean.loc[missing, "lat"].round(6),
        }
    )
    hashes = pd.util.hash_pandas_object(key, index=False).to_numpy(dtype=np.uint64)
    clean.loc[missing, "external_id"] = [f"auto-{h:016x}" for h in hashes]


def stringify(value) -> str:
    """How a JSON value becomes a cell: null → empty, nested values → JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


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
