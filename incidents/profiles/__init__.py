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
from zoneinfo import ZoneInfo

import holidays
import yaml
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidents.profiles.schema import (
    CHANNELS,
    ENCODINGS,
    FIELDS,
    WEEKDAYS,
    ProfileDocument,
    profile_check,
)
from khareetaty.exceptions import ApplicationError

__all__ = [
    "CHANNELS",
    "DEFAULT_PROFILE",
    "ENCODINGS",
    "FIELDS",
    "FORMATS",
    "PROFILE_DIR",
    "WEEKDAYS",
    "Profile",
    "ProfileError",
    "RegionRule",
    "available_profiles",
    "load_profile",
    "normalise_label",
    "parse_profile",
    "profile_dirs",
    "served_profile",
]

PROFILE_DIR = Path(__file__).resolve().parent
FORMATS = ("csv", "json", "geojson")
DEFAULT_PROFILE = "kuwait"


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


def served_profile() -> tuple[str, str]:
    """The profile the pages serve, as (name, time zone): their dates are in its zone."""
    return DEFAULT_PROFILE, load_profile(DEFAULT_PROFILE).timezone


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
    return _profile(path, profile_check(path, data, ProfileError))


def _profile(path: Path, doc: ProfileDocument) -> Profile:
    """The runtime profile from a validated document: labels normalised, defaults filled."""
    categories: dict[str, str] = {}
    for label, code in doc.categories.items():
        categories[normalise_label(label)] = code
        categories.setdefault(normalise_label(code), code)
    channels = {normalise_label(c): c for c in CHANNELS}
    channels.update({normalise_label(label): code for label, code in doc.channels.items()})
    return Profile(
        name=doc.name,
        path=path,
        label=doc.label or doc.name,
        source=doc.source or doc.name,
        country=doc.country,
        subdivision=doc.subdivision,
        timezone=doc.timezone,
        weekend=doc.weekday_numbers(),
        night_start=doc.night_hours.start,
        night_end=doc.night_hours.end,
        encoding=doc.encoding,
        delimiter=doc.delimiter,
        columns=dict(doc.columns),
        timestamp_format=doc.timestamp.format,
        ambiguous_dst=doc.timestamp.ambiguous,
        crs=doc.crs,
        categories=categories,
        excluded_categories=frozenset(map(normalise_label, doc.excluded_categories)),
        channels=channels,
        default_channel=doc.default_channel,
        service_area_bbox=doc.service_area.bbox,
        service_area_regions=doc.service_area.regions,
        regions=RegionRule(
            profile=doc.regions.profile or doc.name,
            code_format=doc.regions.code_format,
            name_format=doc.regions.name_format,
            derive=doc.regions.derive,
        ),
        future_tolerance=dt.timedelta(minutes=doc.validation.future_tolerance_minutes),
        max_age=dt.timedelta(days=365 * doc.validation.max_age_years),
        id_required=doc.validation.id_required,
        max_lengths=doc.max_lengths(),
    )
