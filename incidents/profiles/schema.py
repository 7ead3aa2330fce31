"""The shape of a profile file, declared with pydantic: types, defaults, allowed values and
the checks across fields. ``profile_check`` returns the validated document or raises
``ProfileError`` naming the file and the field (pydantic's path to it, such as
``night_hours.start`` or ``categories.Theft``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pyproj import CRS
from pyproj.exceptions import CRSError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENCODINGS = ("auto", "utf-8", "windows-1256")
CHANNELS = ("public_report", "patrol", "sensor", "partner")
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
MAX_LENGTHS = {"external_id": 100, "area": 200, "block": 50, "description": 4000}

Channel = Literal[CHANNELS]
CanonicalField = Literal[FIELDS]
Column = Annotated[str, StringConstraints(min_length=1)]
Hour = Annotated[int, Field(ge=0, le=23)]
# Labels are matched as text: an unquoted YAML key such as 112 is the label "112".
Label = Annotated[str, BeforeValidator(str)]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[-a-z0-9_]+$")]
LengthLimits = dict[
    Literal["external_id", "area", "block", "description"], Annotated[int, Field(gt=0)]
]


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)


class NightHours(_Part):
    start: Hour
    end: Hour


class Timestamp(_Part):
    format: str = "ISO8601"
    ambiguous: Literal["earliest", "latest"] = "earliest"

    @field_validator("format")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if not (value == "ISO8601" or "%" in value):
            raise ValueError("must be ISO8601 or a strftime pattern such as %d/%m/%Y %H:%M")
        return value


class ServiceArea(_Part):
    bbox: tuple[float, float, float, float] | None = None
    regions: bool = False

    @field_validator("bbox", mode="before")
    @classmethod
    def _ordered(cls, value):
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or value[0] >= value[2]
            or value[1] >= value[3]
        ):
            raise ValueError("must be [min_lon, min_lat, max_lon, max_lat]")
        return tuple(float(v) for v in value)

    @model_validator(mode="after")
    def _bbox_or_regions(self) -> ServiceArea:
        if self.bbox is None and not self.regions:
            raise ValueError("give a bbox [min_lon, min_lat, max_lon, max_lat] or regions: true")
        return self


class Regions(_Part):
    profile: Label | None = None
    code_format: str = "{}"
    name_format: str = "{}"
    derive: Literal["none", "convex_hull"] = "none"

    @field_validator("code_format")
    @classmethod
    def _placeholder(cls, value: str) -> str:
        if "{}" not in value:
            raise ValueError("must contain {} for the source value")
        return value


class Validation(_Part):
    future_tolerance_minutes: Annotated[int, Field(ge=0)] = 15
    max_age_years: Annotated[int, Field(ge=0)] = 30
    id_required: bool = False
    max_lengths: LengthLimits = {}


class ProfileDocument(_Part):
    model_config = ConfigDict(extra="forbid")

    name: str
    label: str | None = None
    source: str | None = None
    subdivision: str | None = None  # before country, which is checked with it
    country: str = ""
    timezone: str
    weekend: list[Label] = ["sat", "sun"]
    night_hours: NightHours = NightHours(start=20, end=6)
    encoding: Literal[ENCODINGS] = "auto"
    delimiter: Annotated[str, StringConstraints(min_length=1, max_length=1)] = ","
    columns: dict[CanonicalField, Column]
    timestamp: Timestamp = Timestamp()
    crs: int = 4326
    categories: dict[Label, CategoryCode]
    excluded_categories: list[Label] = []
    channels: dict[Label, Channel] = {}
    default_channel: Channel = "public_report"
    service_area: ServiceArea
    regions: Regions = Regions()
    validation: Validation = Validation()

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str, info: ValidationInfo) -> str:
        stem = (info.context or {}).get("stem")
        if stem is not None and value != stem:
            raise ValueError(f"must match the file name ({stem!r})")
        return value

    @field_validator("country")
    @classmethod
    def _holiday_calendar(cls, value: str, info: ValidationInfo) -> str:
        if value:
            try:
                holidays.country_holidays(value, subdiv=info.data.get("subdivision"))
            except NotImplementedError as exc:
                raise ValueError(f"no holiday calendar for {value!r}: {exc}") from None
        return value

    @field_validator("columns")
    @classmethod
    def _located(cls, value: dict[str, str]) -> dict[str, str]:
        for required in ("category", "occurred_at"):
            if required not in value:
                raise ValueError(f"{required} is required")
        has_xy = "lon" in value and "lat" in value
        if not has_xy and "wkt" not in value:
            raise ValueError("map either both lon and lat, or wkt")
        if has_xy and "wkt" in value:
            raise ValueError("map either lon/lat or wkt, not both")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("weekend")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for day in value:
            if day.lower()[:3] not in WEEKDAYS:
                raise ValueError(f"unknown day {day!r} (use mon … sun)")
        return value

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: int) -> int:
        try:
            CRS.from_epsg(value)
        except CRSError:
            raise ValueError("must be a known EPSG code such as 4326") from None
        return value

    def weekday_numbers(self) -> tuple[int, ...]:
        """ISO weekday numbers, 1 = Monday … 7 = Sunday."""
        return tuple(sorted(WEEKDAYS.index(day.lower()[:3]) + 1 for day in self.weekend))

    def max_lengths(self) -> dict[str, int]:
        """The field limits; a profile may lower them (and raise the description's)."""
        lengths = dict(MAX_LENGTHS)
        for key, value in self.validation.max_lengths.items():
            lengths[key] = min(value, lengths[key]) if key != "description" else value
        return lengths


def profile_check(path: Path, data: Any, error: type[Exception]) -> ProfileDocument:
    """The validated document, or ``error("<file>: <field>: <message>")`` for its first
    problem."""
    try:
        return ProfileDocument.model_validate(data, context={"stem": path.stem})
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in problem["loc"] if part != "[key]")
        raise error(f"{path.name}: {field or '(top level)'}: {_message(problem)}") from None


def _message(problem: dict) -> str:
    if problem["type"] == "value_error":
        return str(problem["ctx"]["error"])
    if problem["type"] == "missing":
        return "is required"
    if problem["type"] == "extra_forbidden":
        return "unknown key"
    if problem["type"] == "model_type" and not problem["loc"]:
        return "must be a mapping"
    return problem["msg"]
