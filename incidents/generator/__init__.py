"""Realistic demo incidents for the Kuwait profile, as the CSV a ministry export would be.

Everything is vectorised with numpy and driven by one seeded generator, so a given
(count, days, seed, end) always produces the same file and a million rows take seconds.
The shape (where people live, daily and weekly rhythm with a Friday-Saturday weekend, seasons
and holidays, category mix, hotspots that emerge or fade) comes from
``incidents/data/kuwait_generator.yaml``; points fall on land, inside their governorate,
using a raster mask of the shipped boundaries. A small share of rows is bad on purpose (bad
coordinates, unknown category, future date) and some rows are re-sent (duplicates), so the
ETL's quarantine has something to show. ``GeneratedFile.expected`` says what the pipeline must
make of the file.

The package: ``config`` (configuration, columns, results), ``land`` (the land
mask), ``rows`` (the rows as numpy columns) and ``text`` (their CSV text); everything is
re-exported here.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from incidents.generator.config import (
    BAD_COORDINATES,
    CATEGORIES_FILE,
    CHANNELS,
    CHUNK_ROWS,
    COLUMNS,
    CONFIG_FILE,
    DATA_DIR,
    DUPLICATE,
    FUTURE_DATE,
    GOOD,
    KIND_NAMES,
    UNKNOWN_CATEGORY,
    GeneratedFile,
    Hotspot,
    load_config,
)
from incidents.generator.land import LandMask, land_mask
from incidents.generator.rows import Generator
from incidents.generator.text import Tables, format_rows

__all__ = [
    "BAD_COORDINATES",
    "CATEGORIES_FILE",
    "CHANNELS",
    "CHUNK_ROWS",
    "COLUMNS",
    "CONFIG_FILE",
    "DATA_DIR",
    "DUPLICATE",
    "FUTURE_DATE",
    "GOOD",
    "KIND_NAMES",
    "UNKNOWN_CATEGORY",
    "GeneratedFile",
    "Hotspot",
    "LandMask",
    "default_end",
    "incidents_csv_generate",
    "land_mask",
    "load_config",
]


def default_end() -> dt.date:
    """Today in the profile's time zone: the generated period ends yesterday."""
    return dt.datetime.now(ZoneInfo(load_config()["timezone"])).date()


def incidents_csv_generate(
    *,
    path: Path | str,
    count: int,
    days: int,
    seed: int,
    end: dt.date | None = None,
    encoding: str = "utf-8",
) -> GeneratedFile:
    """Write ``count`` demo incidents over the ``days`` days before ``end`` (default: today,
    Asia/Kuwait) to a CSV at ``path`` in the ``kuwait`` profile's columns. Deterministic for
    (count, days, seed, end). Memory grows with ``count`` only as numeric arrays (about 80
    bytes a row); the text is formatted and written in chunks."""
    if count < 1 or days < 1:
        raise ValueError("count and days must be positive")
    started = time.perf_counter()
    end = end or default_end()
    generator = Generator(count=count, days=days, seed=seed, end=end)
    rows, hotspots = generator.build()
    config, tables = generator.config, Tables(generator.config)
    prefix = f"{config['id_prefix']}{seed}-"
    window_end = int(np.datetime64(end, "s").astype(np.int64))
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for start in range(0, len(rows["time"]), CHUNK_ROWS):
            chunk = {key: values[start : start + CHUNK_ROWS] for key, values in rows.items()}
            columns = format_rows(chunk, tables, prefix, window_end)
            writer.writerows(zip(*(column.tolist() for column in columns), strict=True))
    counts = {name: int((rows["kind"] == code).sum()) for code, name in enumerate(KIND_NAMES)}
    bad = counts["bad_coordinates"] + counts["unknown_category"] + counts["future_date"]
    return GeneratedFile(
        path=path,
        rows=len(rows["time"]),
        counts=counts,
        hotspots=hotspots,
        first_day=generator.first_day,
        last_day=end - dt.timedelta(days=1),
        seconds=time.perf_counter() - started,
        expected={
            "received": len(rows["time"]),
            "accepted": counts["good"],
            "duplicates": counts["duplicate"],
            "rejected": bad,
        },
    )
