"""Per-field checks of a chunk: coordinates, category, severity, channel and region code, and
the ids derived for sources without them. Each adds its errors to the ``Checker`` and
returns the field's clean values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from incidents.profiles import Profile, normalise_label
from incidents.validation.cells import map_labels
from incidents.validation.records import REGION_CODE, WKT_POINT


def coordinates(col, name, columns, canonical, check) -> tuple[np.ndarray, np.ndarray, str]:
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


def category(values, field_name, profile, known, check) -> pd.Series:
    excluded = map_labels(values, lambda v: normalise_label(v) in profile.excluded_categories)
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
    codes = map_labels(values, profile.map_category)
    unknown = (values != "") & ~excluded.astype(bool) & ~codes.isin(known)
    check.add(
        unknown,
        field_name,
        "unknown_category",
        lambda v: _("Category %(value)r is not mapped to a known category.") % {"value": v},
        values,
    )
    return codes


def severity(values, field_name, check) -> pd.Series:
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


def channel(values, field_name, profile, check) -> pd.Series:
    codes = map_labels(values, lambda v: profile.channels.get(normalise_label(v)) if v else "")
    check.add(
        codes.isna(),
        field_name,
        "invalid_channel",
        lambda v: _("Unknown channel %(value)r.") % {"value": v},
        values,
    )
    return codes.fillna("").replace("", profile.default_channel)


def region_codes(values: pd.Series, field_name: str, profile: Profile, check) -> pd.Series:
    """Region codes from the source's region column (``regions.code_format``). A code becomes
    a region (and its name) for everyone to see, so it must match ``REGION_CODE``; the value
    is not echoed in the message."""
    fmt = profile.regions.code_format
    codes = map_labels(values, lambda v: fmt.format(v) if v else "")
    if (values != "").any():
        valid = map_labels(codes, lambda c: c == "" or REGION_CODE.fullmatch(c) is not None)
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


def derive_missing_ids(clean: pd.DataFrame) -> None:
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
