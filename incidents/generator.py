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
"""

import csv
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd
import yaml

from incidents.profiles import load_profile

DATA_DIR = Path(__file__).resolve().parent / "data"
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


class LandMask:
    """Which region (1-based index, 0 = none) each ~100 m cell of the bounding box is in.

    Rasterised once by an even-odd scanline over the boundary rings, so a self-intersecting
    ring (Al Asimah's) is handled without repair.
    """

    def __init__(
        self, rings_by_region: list[list[np.ndarray]], codes: list[str], step: float
    ) -> None:
        points = np.concatenate([ring for rings in rings_by_region for ring in rings])
        self.codes, self.step = codes, step
        self.x0, self.y0 = points[:, 0].min() - step, points[:, 1].min() - step
        self.ncols = int(np.ceil((points[:, 0].max() + step - self.x0) / step))
        self.nrows = int(np.ceil((points[:, 1].max() + step - self.y0) / step))
        self.labels = np.zeros((self.nrows, self.ncols), dtype=np.uint8)
        for index, rings in enumerate(rings_by_region, start=1):
            self.labels[self._rasterise(rings)] = index

    def _rasterise(self, rings: list[np.ndarray]) -> np.ndarray:
        edges = np.concatenate([np.hstack([ring[:-1], ring[1:]]) for ring in rings])
        ya, yb = np.minimum(edges[:, 1], edges[:, 3]), np.maximum(edges[:, 1], edges[:, 3])
        first = np.ceil((ya - self.y0) / self.step - 0.5).astype(int)
        last = np.ceil((yb - self.y0) / self.step - 0.5).astype(int)  # exclusive
        spans = np.maximum(last - first, 0)
        edge = np.repeat(np.arange(len(edges)), spans)
        row = first[edge] + np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
        y = self.y0 + (row + 0.5) * self.step
        x1, y1, x2, y2 = edges[edge].T
        x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        col = np.clip(np.floor((x - self.x0) / self.step + 0.5).astype(int), 0, self.ncols)
        crossings = np.zeros((self.nrows, self.ncols + 1), dtype=np.int32)
        np.add.at(crossings, (row, col), 1)
        return (np.cumsum(crossings, axis=1)[:, :-1] % 2).astype(bool)

    def clip(self, bbox: tuple[float, float, float, float]) -> None:
        """Drop cells not wholly inside ``bbox`` (the profile's service area), so every good
        point passes the ingest's service-area check."""
        min_lon, min_lat, max_lon, max_lat = bbox
        lons = self.x0 + np.arange(self.ncols) * self.step
        lats = self.y0 + np.arange(self.nrows) * self.step
        keep_cols = (lons >= min_lon) & (lons + self.step <= max_lon)
        keep_rows = (lats >= min_lat) & (lats + self.step <= max_lat)
        self.labels[~keep_rows, :] = 0
        self.labels[:, ~keep_cols] = 0

    def region_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        col = np.floor((lon - self.x0) / self.step).astype(int)
        row = np.floor((lat - self.y0) / self.step).astype(int)
        inside = (col >= 0) & (col < self.ncols) & (row >= 0) & (row < self.nrows)
        out = np.zeros(lon.shape, dtype=np.uint8)
        out[inside] = self.labels[row[inside], col[inside]]
        return out

    def random_points(
        self, rng: np.random.Generator, region: int, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.nonzero(self.labels == region)
        pick = rng.integers(0, len(rows), n)
        lon = self.x0 + (cols[pick] + rng.random(n)) * self.step
        lat = self.y0 + (rows[pick] + rng.random(n)) * self.step
        return lon, lat


@lru_cache(maxsize=1)
def land_mask() -> LandMask:
    config = load_config()
    document = json.loads((DATA_DIR / config["regions_file"]).read_text(encoding="utf-8"))
    codes, rings = [], []
    for feature in document["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        codes.append(feature["properties"][config["region_code_field"]])
        rings.append(
            [np.asarray(ring, dtype=float)[:, :2] for polygon in polygons for ring in polygon]
        )
    mask = LandMask(rings, codes, float(config["raster_degrees"]))
    bbox = load_profile(config["profile"]).service_area_bbox
    if bbox is not None:
        mask.clip(bbox)
    return mask


class _Generator:
    """Builds the columns as numpy arrays; ``write`` formats and streams them in chunks."""

    def __init__(self, *, count: int, days: int, seed: int, end: dt.date) -> None:
        self.config, self.mask = load_config(), land_mask()
        self.rng = np.random.default_rng(seed)
        self.count, self.days, self.seed = count, days, seed
        self.first_day = end - dt.timedelta(days=days)
        self.dates = np.arange(np.datetime64(self.first_day), np.datetime64(end))
        self.categories = [c["code"] for c in self.config["category_table"]]
        self.centres = self.config["centres"]
        years = range(self.first_day.year, end.year + 1)
        calendar = holidays.country_holidays(self.config["country"], years=years)
        self.holidays = np.isin(self.dates, np.array(sorted(calendar), dtype="datetime64[D]"))

    # -- time ------------------------------------------------------------------------------
    def _day_weights(self, code: str) -> np.ndarray:
        spec, config = self.config["categories"][code], self.config
        months = self.dates.astype("datetime64[M]").astype(int) % 12
        weekday = (self.dates.astype("datetime64[D]").astype(int) + 3) % 7  # 0 = Monday
        weights = (
            np.asarray(spec.get("season", config["season"]))[months]
            * np.asarray(spec["week"])[weekday]
        )
        weights *= (1 + config["yearly_trend"]) ** (np.arange(self.days) / 365.25)
        weights[self.holidays] *= config["holiday_factor"].get(code, 1.0)
        month_day = pd.DatetimeIndex(self.dates).strftime("%m-%d")
        for day, factors in config["special_days"].items():
            weights[month_day == day] *= factors.get(code, 1.0)
        return weights

    def _times(self, code: str, n: int, day_weights: np.ndarray) -> np.ndarray:
        """Local wall-clock seconds since the epoch, from the (day, hour) joint distribution."""
        spec = self.config["categories"][code]
        hours = np.asarray(spec["hours"], dtype=float)
        weekend_hours = np.asarray(spec.get("weekend_hours", np.roll(hours, 1)), dtype=float)
        weekday = (self.dates.astype(int) + 3) % 7
        weekend = (weekday == 4) | (weekday == 5)
        joint = np.where(weekend[:, None], weekend_hours / weekend_hours.sum(), hours / hours.sum())
        joint = (joint * day_weights[:, None]).ravel()
        cell = self.rng.choice(joint.size, n, p=joint / joint.sum())
        day_seconds = self.dates.astype("datetime64[s]").astype(np.int64)[cell // 24]
        return day_seconds + (cell % 24) * 3600 + self.rng.integers(0, 3600, n)

    # -- place -----------------------------------------------------------------------------
    def _around(self, lat: np.ndarray, lon: np.ndarray, sigma_km: np.ndarray, region: np.ndarray):
        """Gaussian points around centres, redrawn until they fall in ``region`` (0 = any land)."""
        out_lat, out_lon = lat.astype(float).copy(), lon.astype(float).copy()
        todo = np.arange(len(lat))
        for _ in range(60):
            if not len(todo):
                break
            dlat = self.rng.normal(0, 1, len(todo)) * sigma_km[todo] / KM_PER_DEGREE
            dlon = (
                self.rng.normal(0, 1, len(todo))
                * sigma_km[todo]
                / (KM_PER_DEGREE * np.cos(np.radians(lat[todo])))
            )
            out_lat[todo], out_lon[todo] = lat[todo] + dlat, lon[todo] + dlon
            found = self.mask.region_at(out_lon[todo], out_lat[todo])
            ok = np.where(region[todo] == 0, found > 0, found == region[todo])
            todo = todo[~ok]
        out_lat[todo], out_lon[todo] = lat[todo], lon[todo]  # rare: keep the centre itself
        return out_lat, out_lon

    def _places(self, code: str, n: int):
        """Points for ``n`` incidents of ``code``: governorate by population, then a centre."""
        config, centres = self.config, self.centres
        codes = list(config["governorates"])
        shares = np.asarray([config["governorates"][c] for c in codes])
        governorate = self.rng.choice(len(codes), n, p=shares / shares.sum())
        region = np.asarray([self.mask.codes.index(c) + 1 for c in codes])[governorate]
        centre_region = np.asarray([codes.index(c["region"]) for c in centres])
        weights = np.asarray([c["weight"] for c in centres], dtype=float)
        centre = np.empty(n, dtype=int)
        for g in range(len(codes)):
            rows, members = np.nonzero(governorate == g)[0], np.nonzero(centre_region == g)[0]
            centre[rows] = self.rng.choice(
                members, len(rows), p=weights[members] / weights[members].sum()
            )
        table = np.asarray([[c["lat"], c["lon"], c["sigma_km"]] for c in centres])
        lat, lon = self._around(table[centre, 0], table[centre, 1], table[centre, 2], region)
        background = self.rng.random(n) < config["categories"][code].get(
            "background", config["background_share"]
        )
        for label in np.unique(region[background]):
            rows = np.nonzero(background & (region == label))[0]
            lon[rows], lat[rows] = self.mask.random_points(self.rng, int(label), len(rows))
        centre[background] = -1
        return lat, lon, centre

    # -- hotspots --------------------------------------------------------------------------
    def _hotspot_profile(self, kind: str) -> tuple[np.ndarray, int, int]:
        days, rng = self.days, self.rng
        t = np.arange(days)
        if kind == "emerging":
            start = int(rng.integers(days // 4, max(days // 4 + 1, days * 2 // 3)))
            return np.clip((t - start) / 21, 0, 1), start, days - 1
        if kind == "fading":
            stop = int(rng.integers(days // 3, max(days // 3 + 1, days * 3 // 4)))
            return np.clip((stop - t) / 21, 0, 1), 0, stop
        length = int(min(days, rng.integers(21, 43)))
        start = int(rng.integers(0, days - length + 1))
        return ((t >= start) & (t < start + length)).astype(float), start, start + length - 1

    def _hotspots(self, n: int) -> tuple[list[Hotspot], dict[str, np.ndarray]]:
        count = int(self.config["hotspot_count"])
        kinds = np.asarray(["emerging", "fading", "burst"])[np.arange(count) % 3]
        sizes = self.rng.multinomial(n, np.full(count, 1 / count)) if count else []
        parts, spots = [], []
        for kind, size in zip(kinds, sizes, strict=True):
            code = str(self.rng.choice(self.config["hotspot_categories"]))
            centre = self.centres[int(self.rng.integers(len(self.centres)))]
            (lat,), (lon,) = self._around(
                np.asarray([centre["lat"]]),
                np.asarray([centre["lon"]]),
                np.asarray([centre["sigma_km"]]),
                np.asarray([0]),
            )
            sigma = float(self.rng.uniform(0.15, 0.35))
            profile, start, stop = self._hotspot_profile(str(kind))
            times = self._times(code, size, self._day_weights(code) * profile)
            plat, plon = self._around(
                np.full(size, lat), np.full(size, lon), np.full(size, sigma), np.zeros(size, int)
            )
            parts.append(
                self._columns(code, times, plat, plon, np.full(size, self.centres.index(centre)))
            )
            spots.append(
                Hotspot(
                    str(kind),
                    code,
                    round(float(lat), 5),
                    round(float(lon), 5),
                    round(sigma, 3),
                    self.first_day + dt.timedelta(days=start),
                    self.first_day + dt.timedelta(days=stop),
                    int(size),
                )
            )
        return spots, _concat(parts)

    # -- assembling ------------------------------------------------------------------------
    def _columns(self, code: str, times, lat, lon, centre) -> dict[str, np.ndarray]:
        n, spec, rng = len(times), self.config["categories"][code], self.rng
        category = self.categories.index(code)
        default = self.config["category_table"][category]["default_severity"]
        severity = np.clip(default + rng.choice([-1, 0, 1], n, p=[0.2, 0.6, 0.2]), 1, 5)
        channel_p = np.asarray([spec["channels"].get(c, 0.0) for c in CHANNELS])
        return {
            "time": times,
            "delay": np.minimum(rng.exponential(spec["delay_minutes"] * 60, n), 30 * 86400).astype(
                np.int32
            ),
            "lat": lat,
            "lon": lon,
            "category": np.full(n, category, dtype=np.int8),
            "centre": centre.astype(np.int16),
            "block": rng.integers(1, 13, n, dtype=np.int8),
            # 0: left empty by the source (the category's default severity applies)
            "severity": np.where(
                rng.random(n) < self.config["blank_severity_share"], 0, severity
            ).astype(np.int8),
            "channel": rng.choice(len(CHANNELS), n, p=channel_p / channel_p.sum()).astype(np.int8),
            # chooses among labels and descriptions
            "pick": rng.integers(0, 1 << 30, n, dtype=np.uint32),
            "arabic": rng.random(n) < self.config["arabic_share"],
        }

    def build(self) -> tuple[dict[str, np.ndarray], list[Hotspot]]:
        config, rng = self.config, self.rng
        n_dup = round(self.count * config["duplicate_share"])
        n_base = self.count - n_dup
        n_hot = round(n_base * config["hotspot_share"])
        shares = np.asarray([config["categories"][c]["share"] for c in self.categories])
        per_category = rng.multinomial(n_base - n_hot, shares / shares.sum())
        parts = []
        for code, n in zip(self.categories, per_category, strict=True):
            lat, lon, centre = self._places(code, int(n))
            parts.append(
                self._columns(
                    code, self._times(code, int(n), self._day_weights(code)), lat, lon, centre
                )
            )
        hotspots, hot = self._hotspots(n_hot)
        parts.append(hot)
        rows = _concat(parts)
        del parts, hot
        order = np.argsort(rows["time"], kind="stable")
        for key in rows:  # one column at a time: memory stays near one copy of the rows
            rows[key] = rows[key][order]
        rows["id"] = np.arange(1, n_base + 1)
        rows["kind"] = np.zeros(n_base, dtype=np.int8)
        self._spoil(rows, round(self.count * config["bad_share"]))
        return self._duplicate(rows, n_dup), hotspots

    def _spoil(self, rows: dict[str, np.ndarray], n_bad: int) -> None:
        kinds = self.config["bad_kinds"]
        shares = np.asarray([kinds[name] for name in KIND_NAMES[2:]])
        chosen = self.rng.choice(len(rows["time"]), n_bad, replace=False)
        rows["kind"][chosen] = 2 + self.rng.choice(3, n_bad, p=shares / shares.sum())
        rows["fault"] = np.zeros(len(rows["time"]), dtype=np.int8)
        coords = np.nonzero(rows["kind"] == BAD_COORDINATES)[0]
        fault = self.rng.integers(0, 5, len(coords))  # swapped, zero, elsewhere, blank, text
        rows["fault"][coords] = fault
        swapped = coords[fault == 0]
        rows["lat"][swapped], rows["lon"][swapped] = (
            rows["lon"][swapped],
            rows["lat"][swapped].copy(),
        )
        rows["lat"][coords[fault == 1]], rows["lon"][coords[fault == 1]] = 0.0, 0.0
        far, places = coords[fault == 2], np.asarray(self.config["outside_points"])
        spot = places[self.rng.integers(0, len(places), len(far))]
        rows["lat"][far], rows["lon"][far] = spot[:, 0], spot[:, 1]
        future = np.nonzero(rows["kind"] == FUTURE_DATE)[0]
        rows["time"][future] += (self.rng.integers(10, 31, len(future)) * 365.25 * 86400).astype(
            np.int64
        )

    def _duplicate(self, rows: dict[str, np.ndarray], n_dup: int) -> dict[str, np.ndarray]:
        good = np.nonzero(rows["kind"] == GOOD)[0]
        source = np.sort(self.rng.choice(good, min(n_dup, len(good)), replace=False))
        size = len(rows["time"])
        order = np.argsort(np.concatenate([np.arange(size), source]), kind="stable")
        for key in rows:
            rows[key] = np.concatenate([rows[key], rows[key][source]])[order]
        rows["kind"][np.nonzero(order >= size)[0]] = DUPLICATE
        return rows


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate column by column, emptying ``parts`` as it goes (one copy in memory)."""
    return {key: np.concatenate([part.pop(key) for part in parts]) for key in list(parts[0])}


class _Tables:
    """The text a row's numbers turn into: labels, areas, channels, descriptions."""

    def __init__(self, config: dict) -> None:
        table = config["category_table"]
        self.labels = np.asarray(
            [[c["name_en"], c["name_ar"]] for c in table]
            + [[u, u] for u in config["unknown_categories"]]
        )
        self.unknown = len(table)
        self.n_unknown = len(config["unknown_categories"])
        self.areas = np.asarray([[c["name"], c["name_ar"]] for c in config["centres"]] + [["", ""]])
        self.channels, self.channel_offset, self.channel_count = _flatten(
            [config["channel_labels"][c] for c in CHANNELS]
        )
        lists = [config["descriptions"][c["code"]][lang] for c in table for lang in ("en", "ar")]
        self.descriptions, self.description_offset, self.description_count = _flatten(lists)


def _flatten(lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = np.asarray([len(items) for items in lists])
    return (
        np.asarray([item for items in lists for item in items]),
        np.cumsum(counts) - counts,
        counts,
    )


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")


def _coordinates(values: np.ndarray, fault: np.ndarray) -> np.ndarray:
    text = np.round(values, 6).astype("U16")
    text[fault == 3] = ""
    text[fault == 4] = "N/A"
    return text


def _format(
    rows: dict[str, np.ndarray], tables: _Tables, prefix: str, window_end: int
) -> list[np.ndarray]:
    """One chunk of rows as the text columns of the CSV."""
    category, arabic, pick, kind = (
        rows["category"],
        rows["arabic"].astype(int),
        rows["pick"],
        rows["kind"],
    )
    label_row = np.where(
        kind == UNKNOWN_CATEGORY, tables.unknown + pick % tables.n_unknown, category
    )
    description = tables.description_offset[category * 2 + arabic]
    description = description + pick % tables.description_count[category * 2 + arabic]
    channel = tables.channel_offset[rows["channel"]] + pick % tables.channel_count[rows["channel"]]
    centre = np.where(rows["centre"] < 0, len(tables.areas) - 1, rows["centre"])
    reported = rows["time"] + rows["delay"]
    reported = np.where(kind == FUTURE_DATE, reported, np.minimum(reported, window_end))
    return [  # in the order of COLUMNS
        np.char.add(prefix, np.char.zfill(rows["id"].astype("U10"), 8)),
        _timestamps(rows["time"]),
        _timestamps(reported),
        tables.labels[label_row, arabic],
        _coordinates(rows["lat"], rows["fault"]),
        _coordinates(rows["lon"], rows["fault"]),
        tables.areas[centre, arabic],
        np.where(rows["centre"] < 0, "", rows["block"].astype("U2")),
        np.where(rows["severity"] == 0, "", rows["severity"].astype("U1")),
        tables.channels[channel],
        tables.descriptions[description],
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
    generator = _Generator(count=count, days=days, seed=seed, end=end)
    rows, hotspots = generator.build()
    config, tables = generator.config, _Tables(generator.config)
    prefix = f"{config['id_prefix']}{seed}-"
    window_end = int(np.datetime64(end, "s").astype(np.int64))
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for start in range(0, len(rows["time"]), CHUNK_ROWS):
            chunk = {key: values[start : start + CHUNK_ROWS] for key, values in rows.items()}
            columns = _format(chunk, tables, prefix, window_end)
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
