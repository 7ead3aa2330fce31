"""The rows as numpy columns: times with their daily, weekly and yearly rhythm, places
around population centres, hotspots, and the bad and re-sent rows."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd

from incidents.generator.config import (
    BAD_COORDINATES,
    CHANNELS,
    DUPLICATE,
    FUTURE_DATE,
    GOOD,
    KIND_NAMES,
    KM_PER_DEGREE,
    Hotspot,
    load_config,
)
from incidents.generator.land import land_mask


class Generator:
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
