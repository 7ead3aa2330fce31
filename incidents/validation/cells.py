"""Column-wise cell helpers: stripped string columns, NUL detection, timestamp parsing and
label lookups, each one C-level pass (or one call per distinct value) over a column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidents.profiles import Profile


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


def longer_than(values: pd.Series, limit: int) -> np.ndarray:
    lengths = np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))
    return lengths > limit


def map_labels(values: pd.Series, lookup) -> pd.Series:
    uniques = values.unique()
    return values.map({u: lookup(u) for u in uniques})
