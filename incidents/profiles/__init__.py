"""Source profiles: one YAML file per data source, validated when loaded.

A profile says how to read a source (column mapping, timestamp format and time zone,
coordinates or WKT and their CRS, category labels → category codes) and what the
deployment around it looks like (service area, regions, weekend, night hours, holiday
country). ``kuwait`` is the default; ``chicago`` is the worked example for the real city
data and proves nothing is Kuwait-bound.

Profiles live in this package (``<name>.yaml``); a deployment can add its own folder with
the ``INGEST_PROFILE_DIRS`` setting. ``load_profile(name)`` raises ``ProfileError`` naming the
file and the field when a profile is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyproj import CRS
from pyproj.exceptions import CRSError

from khareetaty.exceptions import ApplicationError

PROFILE_DIR = Path(__file__).resolve().parent
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENCODINGS = ("auto", "utf-8", "windows-1256")
FORMATS = ("csv", "json", "geojson")
# The canonical fields a source column can be mapped onto.
FIELDS = (
    "external_id",
    "category",
    "occurred_at",
    "reported_at",
    "lon",
    "lat",
    "wkt",
    "area",
    "block",
    "severity",
    "channel",
    "description",
    "region",
)
DEFAULT_PROFILE = "kuwait"
CHANNELS = ("public_report", "patrol", "sensor", "partner")


class ProfileError(ApplicationError):
    code = "profile_invalid"


@dataclass(frozen=True)
class RegionRule:
    """Where incidents' regions come from.

    ``profile``: the ``Region.profile`` rows to use. ``code_format``: when the source has a
    region column (mapped as ``region``), the Region code is ``code_format.format(value)``.
    ``derive``: when no boundary is loaded for a code, build one from the points seen with
    that code (``convex_hull``), or ``none``.
    """

    profile: str
    code_format: str = "{}"
    name_format: str = "{}"
    derive: str = "none"


@dataclass(frozen=True, eq=False)  # hashed by identity: profiles are cached singletons
class Profile:
    name: str
    path: Path
    label: str
    source: str
    country: str
    subdivision: str | None
    timezone: str
    weekend: tuple[int, ...]  # ISO weekday numbers, 1 = Monday … 7 = Sunday
    night_start: int
    night_end: int
    encoding: str
    delimiter: str
    columns: dict[str, str]
    timestamp_format: str
    ambiguous_dst: str  # "earliest" or "latest" for a repeated wall-clock hour
    crs: int
    categories: dict[str, str]  # normalised source label → category code
    excluded_categories: frozenset[str]  # normalised labels rejected on purpose
    channels: dict[str, str]
    default_channel: str
    service_area_bbox: tuple[float, float, float, float] | None
    service_area_regions: bool
    regions: RegionRule
    future_tolerance: dt.timedelta
    max_age: dt.timedelta
    id_required: bool
    max_lengths: dict[str, int] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holiday_dates(self, years: range | list[int]) -> set[dt.date]:
        """Public holidays of the profile's country (and subdivision) in ``years``."""
        if not self.country:
            return set()
        calendar = holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=list(years)
        )
        return set(calendar.keys())

    def map_category(self, label: str) -> str | None:
        """The category code for a source label, or None when the label is not mapped."""
        return self.categories.get(normalise_label(label))


def normalise_label(label: str) -> str:
    """Labels match case-insensitively, with surrounding and repeated spaces ignored."""
    return " ".join(str(label).split()).casefold()


def profile_dirs() -> list[Path]:
    extra = [Path(p) for p in getattr(settings, "INGEST_PROFILE_DIRS", [])]
    return [*extra, PROFILE_DIR]


def available_profiles() -> list[str]:
    names = {p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("*.yaml")}
    return sorted(names)


@lru_cache(maxsize=32)
def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Load and validate the profile ``name``; raises ``ProfileError`` naming file and field."""
    if not re.fullmatch(r"[a-z0-9_-]{1,50}", name or ""):
        raise ProfileError(_("Profile name %(name)r is not valid.") % {"name": name})
    for directory in profile_dirs():
        path = directory / f"{name}.yaml"
        if path.is_file():
            return parse_profile(path)
    raise ProfileError(
        _("Unknown profile %(name)r; available: %(names)s.")
        % {"name": name, "names": ", ".join(available_profiles())}
    )


def parse_profile(path: Path) -> Profile:
    """Parse one profile file. Every problem names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    return _ProfileParser(path, data).parse()


class _ProfileParser:
    def __init__(self, path: Path, data) -> None:
        self.path = path
        self.data = data

    def fail(self, field_name: str, message: str):
        raise ProfileError(f"{self.path.name}: {field_name}: {message}")

    def get(self, key: str, kind, default=...):
        value = self.data.get(key, default)
        if value is ...:
            self.fail(key, "is required")
        if value is not None and not isinstance(value, kind):
            self.fail(key, f"must be a {getattr(kind, '__name__', kind)}")
        return value

    def parse(self) -> Profile:
        if not isinstance(self.data, dict):
            self.fail("(top level)", "must be a mapping")
        known = {
            "name", "label", "source", "country", "subdivision", "timezone", "weekend",
            "night_hours", "encoding", "delimiter", "columns", "timestamp", "crs", "categories",
            "excluded_categories", "channels", "default_channel", "service_area", "regions",
            "validation",
        }  # fmt: skip
        unknown = sorted(set(self.data) - known)
        if unknown:
            self.fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(known))})")
        name = self.get("name", str)
        if name != self.path.stem:
            self.fail("name", f"must match the file name ({self.path.stem!r})")
        return Profile(
            name=name,
            path=self.path,
            label=self.get("label", str, name),
            source=self.get("source", str, name),
            country=self.country(),
            subdivision=self.get("subdivision", str, None),
            timezone=self.timezone(self.get("timezone", str), "timezone"),
            weekend=self.weekend(),
            night_start=self.night()[0],
            night_end=self.night()[1],
            encoding=self.choice("encoding", ENCODINGS, "auto"),
            delimiter=self.delimiter(),
            columns=self.columns(),
            timestamp_format=self.timestamp()["format"],
            ambiguous_dst=self.timestamp()["ambiguous"],
            crs=self.crs(),
            categories=self.categories(),
            excluded_categories=self.excluded(),
            channels=self.channels(),
            default_channel=self.choice("default_channel", CHANNELS, "public_report"),
            service_area_bbox=self.service_area()[0],
            service_area_regions=self.service_area()[1],
            regions=self.regions(name),
            future_tolerance=dt.timedelta(minutes=self.validation("future_tolerance_minutes", 15)),
            max_age=dt.timedelta(days=365 * self.validation("max_age_years", 30)),
            id_required=bool(self.validation("id_required", False)),
            max_lengths=self.max_lengths(),
        )

    def country(self) -> str:
        country = self.get("country", str, "")
        if country:
            try:
                holidays.country_holidays(country, subdiv=self.data.get("subdivision"))
            except NotImplementedError as exc:
                self.fail("country", f"no holiday calendar for {country!r}: {exc}")
        return country

    def timezone(self, value: str, field_name: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(field_name, f"unknown time zone {value!r}")
        return value

    def choice(self, key: str, allowed, default):
        value = self.get(key, str, default)
        if value not in allowed:
            self.fail(key, f"must be one of {', '.join(allowed)} (got {value!r})")
        return value

    def delimiter(self) -> str:
        value = self.get("delimiter", str, ",")
        if len(value) != 1:
            self.fail("delimiter", "must be one character")
        return value

    def weekend(self) -> tuple[int, ...]:
        days = self.get("weekend", list, ["sat", "sun"])
        out = []
        for day in days:
            if str(day).lower()[:3] not in WEEKDAYS:
                self.fail("weekend", f"unknown day {day!r} (use mon … sun)")
            out.append(WEEKDAYS.index(str(day).lower()[:3]) + 1)
        return tuple(sorted(out))

    def night(self) -> tuple[int, int]:
        hours = self.get("night_hours", dict, {"start": 20, "end": 6})
        start, end = hours.get("start"), hours.get("end")
        for key, value in (("start", start), ("end", end)):
            if not isinstance(value, int) or not 0 <= value <= 23:
                self.fail(f"night_hours.{key}", "must be an hour 0-23")
        return start, end

    def columns(self) -> dict[str, str]:
        columns = self.get("columns", dict)
        for key, value in columns.items():
            if key not in FIELDS:
                self.fail(f"columns.{key}", f"unknown field (allowed: {', '.join(FIELDS)})")
            if not isinstance(value, str) or not value:
                self.fail(f"columns.{key}", "must name a source column")
        for required in ("category", "occurred_at"):
            if required not in columns:
                self.fail(f"columns.{required}", "is required")
        has_xy = "lon" in columns and "lat" in columns
        if not has_xy and "wkt" not in columns:
            self.fail("columns", "map either both lon and lat, or wkt")
        if has_xy and "wkt" in columns:
            self.fail("columns.wkt", "map either lon/lat or wkt, not both")
        return dict(columns)

    def timestamp(self) -> dict:
        ts = self.get("timestamp", dict, {})
        fmt = ts.get("format", "ISO8601")
        if not isinstance(fmt, str) or not (fmt == "ISO8601" or "%" in fmt):
            self.fail(
                "timestamp.format", "must be ISO8601 or a strftime pattern such as %d/%m/%Y %H:%M"
            )
        ambiguous = ts.get("ambiguous", "earliest")
        if ambiguous not in ("earliest", "latest"):
            self.fail("timestamp.ambiguous", "must be earliest or latest")
        return {"format": fmt, "ambiguous": ambiguous}

    def crs(self) -> int:
        value = self.get("crs", int, 4326)
        try:
            CRS.from_epsg(value)
        except CRSError:
            self.fail("crs", "must be a known EPSG code such as 4326")
        return value

    def categories(self) -> dict[str, str]:
        mapping = self.get("categories", dict)
        out = {}
        for label, code in mapping.items():
            if not isinstance(code, str) or not re.fullmatch(r"[-a-z0-9_]+", code):
                self.fail(f"categories.{label}", f"must map to a category code (got {code!r})")
            out[normalise_label(label)] = code
            out.setdefault(normalise_label(code), code)
        return out

    def excluded(self) -> frozenset[str]:
        labels = self.get("excluded_categories", list, [])
        return frozenset(normalise_label(label) for label in labels)

    def channels(self) -> dict[str, str]:
        mapping = self.get("channels", dict, {})
        out = {normalise_label(c): c for c in CHANNELS}
        for label, code in mapping.items():
            if code not in CHANNELS:
                self.fail(f"channels.{label}", f"must be one of {', '.join(CHANNELS)}")
            out[normalise_label(label)] = code
        return out

    def service_area(self) -> tuple[tuple[float, float, float, float] | None, bool]:
        area = self.get("service_area", dict)
        bbox, regions = area.get("bbox"), bool(area.get("regions", False))
        if bbox is None and not regions:
            self.fail(
                "service_area", "give a bbox [min_lon, min_lat, max_lon, max_lat] or regions: true"
            )
        if bbox is not None:
            if (
                not isinstance(bbox, list)
                or len(bbox) != 4
                or not all(isinstance(v, int | float) for v in bbox)
                or bbox[0] >= bbox[2]
                or bbox[1] >= bbox[3]
            ):
                self.fail("service_area.bbox", "must be [min_lon, min_lat, max_lon, max_lat]")
            bbox = tuple(float(v) for v in bbox)
        return bbox, regions

    def regions(self, name: str) -> RegionRule:
        rule = self.get("regions", dict, {})
        derive = rule.get("derive", "none")
        if derive not in ("none", "convex_hull"):
            self.fail("regions.derive", "must be none or convex_hull")
        code_format = rule.get("code_format", "{}")
        if "{}" not in code_format:
            self.fail("regions.code_format", "must contain {} for the source value")
        return RegionRule(
            profile=str(rule.get("profile", name)),
            code_format=code_format,
            name_format=rule.get("name_format", "{}"),
            derive=derive,
        )

    def validation(self, key: str, default):
        block = self.get("validation", dict, {})
        value = block.get(key, default)
        if not isinstance(value, int | bool) or (not isinstance(value, bool) and value < 0):
            self.fail(f"validation.{key}", "must be a non-negative number")
        return value

    def max_lengths(self) -> dict[str, int]:
        lengths = {"external_id": 100, "area": 200, "block": 50, "description": 4000}
        override = self.get("validation", dict, {}).get("max_lengths", {})
        for key, value in override.items():
            if key not in lengths or not isinstance(value, int) or value <= 0:
                self.fail(f"validation.max_lengths.{key}", "unknown field or not a positive number")
            lengths[key] = min(value, lengths[key]) if key != "description" else value
        return lengths
