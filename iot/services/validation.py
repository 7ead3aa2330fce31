"""The one validation both doors share: an event (or heartbeat) as sent, checked field by
field into a clean event or a list of reasons."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime

from iot.choices import EventType

UID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MEDIA_REF_MAX = 500
EVENT_TYPES = frozenset(EventType.values)
TYPES_TEXT = ", ".join(EventType.values)
KNOWN_FIELDS = {"key", "id", "type", "at", "lon", "lat", "confidence", "payload", "media_ref"}


@dataclass
class CleanEvent:
    device_id: int
    uid: str
    type: str
    occurred_at: datetime
    lon: float
    lat: float
    confidence: float
    payload: dict
    media_ref: str
    received_at: datetime
    door: str
    candidate_id: int | None = None
    id: int | None = None  # known only when a resend made the batch take the slow path
    inserted: bool = False  # stored by this batch (not a resend of an event stored before)


@dataclass
class Problems:
    reasons: list[dict] = field(default_factory=list)

    def add(self, field_name: str, code: str, message: str) -> None:
        self.reasons.append({"field": field_name, "code": code, "message": message})


def _time(value, now: datetime, problems: Problems) -> datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        problems.add("at", "invalid", "'at' must be an ISO 8601 time with a UTC offset.")
        return None
    if moment > now + timedelta(seconds=settings.IOT_CLOCK_SKEW_SECONDS):
        problems.add("at", "future", "'at' is in the future (check the device clock).")
    elif moment < now - timedelta(days=settings.IOT_RETENTION_DAYS):
        problems.add("at", "too_old", "'at' is older than the retention period.")
    return moment


def _number(data: dict, name: str, low: float, high: float, problems: Problems) -> float | None:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(name, "invalid", f"'{name}' must be a number.")
        return None
    if not low <= value <= high:
        problems.add(name, "range", f"'{name}' must be between {low:g} and {high:g}.")
        return None
    return float(value)


def _location(data: dict, device, problems: Problems) -> tuple[float, float]:
    if data.get("lon") is None and data.get("lat") is None:
        return device.lon, device.lat  # defaults to where the device is
    lon = _number(data, "lon", -180, 180, problems)
    lat = _number(data, "lat", -90, 90, problems)
    return (lon or 0.0), (lat or 0.0)


def _extras(data: dict, problems: Problems) -> tuple[dict, str]:
    payload = data.get("payload") or {}
    if not isinstance(payload, dict):
        problems.add("payload", "invalid", "'payload' must be an object.")
        payload = {}
    media_ref = data.get("media_ref") or ""
    if not isinstance(media_ref, str) or len(media_ref) > MEDIA_REF_MAX:
        problems.add(
            "media_ref", "invalid", f"'media_ref' must be text of at most {MEDIA_REF_MAX}."
        )
        media_ref = ""
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        problems.add("*", "unknown", "Unknown fields: " + ", ".join(unknown[:10]))
    return payload, media_ref


def event_validate(
    *, data: dict, device, door: str, received_at: datetime
) -> tuple[CleanEvent | None, list[dict]]:
    """Check one event of ``device`` (its ``pk``, ``lon`` and ``lat``); returns
    ``(clean, [])`` or ``(None, reasons)``."""
    problems = Problems()
    uid = data.get("id")
    if not isinstance(uid, str) or not UID.fullmatch(uid):
        problems.add("id", "invalid", "'id' must be 1-64 letters, digits or _.:-")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        problems.add("type", "invalid", f"'type' must be one of {TYPES_TEXT}.")
    occurred_at = _time(data.get("at"), received_at, problems)
    confidence = _number(data, "confidence", 0, 1, problems)
    lon, lat = _location(data, device, problems)
    payload, media_ref = _extras(data, problems)
    if problems.reasons:
        return None, problems.reasons
    return CleanEvent(
        device_id=device.pk,
        uid=uid,
        type=kind,
        occurred_at=occurred_at,
        lon=lon,
        lat=lat,
        confidence=confidence,
        payload=payload,
        media_ref=media_ref,
        received_at=received_at,
        door=door,
    ), []


def message_parse(raw: bytes | str | dict) -> tuple[dict | None, list[dict]]:
    """A message body as one JSON object, within the size limit; else the reasons."""
    problems = Problems()
    if isinstance(raw, dict):
        size = len(json.dumps(raw, default=str))
        data = raw
    else:
        size = len(raw)
        data = None
    if size > settings.IOT_EVENT_MAX_BYTES:
        problems.add(
            "*", "too_large", f"An event may be at most {settings.IOT_EVENT_MAX_BYTES} bytes."
        )
        return None, problems.reasons
    if data is None:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            problems.add("*", "not_json", "The message is not JSON.")
            return None, problems.reasons
    if not isinstance(data, dict):
        problems.add("*", "not_object", "The message must be a JSON object.")
        return None, problems.reasons
    return data, []
