"""The incident frame every core function reads, and a loader straight from a CSV file.

Columns: ``occurred_at`` (naive local wall-clock time of the profile), ``lon``, ``lat``,
``region`` (a region code), ``category`` (a category code), ``severity`` (1-5). The database
path (``analytics.selectors.incident_frame``) returns the same shape.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FRAME_COLUMNS = ["occurred_at", "lon", "lat", "region", "category", "severity"]


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "occurred_at": pd.Series([], dtype="datetime64[us]"),
            "lon": pd.Series([], dtype=float),
            "lat": pd.Series([], dtype=float),
            "region": pd.Series([], dtype=object),
            "category": pd.Series([], dtype=object),
            "severity": pd.Series([], dtype=np.int16),
        }
    )


def load_csv(
    path: Path,
    *,
    columns: dict[str, str],
    categories=None,
    region_format: str = "{}",
    severities: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Read a source CSV into the incident frame. ``columns`` maps frame columns to source
    columns (``occurred_at``, ``lat``, ``lon``, ``category``, ``region``); ``categories`` maps
    source labels to category codes (unmapped labels are dropped, as the ETL
    rejects them); ``severities`` gives each category code's default severity."""
    source = pd.read_csv(path, usecols=list(columns.values()), dtype={columns["region"]: str})
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(source[columns["occurred_at"]]),
            "lon": source[columns["lon"]].astype(float),
            "lat": source[columns["lat"]].astype(float),
            "region": source[columns["region"]].map(lambda v: region_format.format(v)),
            "category": source[columns["category"]].astype(str).str.strip(),
        }
    )
    if categories is not None:  # a dict or a callable: source label -> code (None = drop)
        labels = frame["category"].unique()
        lookup = (
            categories
            if isinstance(categories, dict)
            else {label: categories(label) for label in labels}
        )
        frame["category"] = frame["category"].map(lookup)
        frame = frame[frame["category"].notna()]
    frame["severity"] = frame["category"].map(severities or {}).fillna(3).astype(np.int16)
    frame = frame.dropna(subset=["occurred_at", "lon", "lat"])
    return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
