"""Correlation: stored events close in space and time (per group, ``iot.correlation_config``)
join one incident candidate; a candidate whose confidence passes its group's threshold
becomes an incident (``iot.services.promotion``, off the ingest path). Later events keep
joining it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection

from iot.choices import CandidateStatus
from iot.correlation_config import DEFAULT_GROUPS
from iot.services.validation import CleanEvent

_LOCK_NAMESPACE = 7_418_2719
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Group:
    name: str
    types: tuple[str, ...]
    radius_m: float
    window_s: float
    threshold: float
    category: str
    severity: int


@cache
def _groups(path: str) -> dict[str, Group]:
    raw = json.loads(Path(path).read_text(encoding="utf-8")) if path else DEFAULT_GROUPS
    return {
        name: Group(name=name, **{**spec, "types": tuple(spec["types"])})
        for name, spec in raw.items()
    }


def correlation_groups() -> dict[str, Group]:
    return _groups(settings.IOT_CORRELATION_FILE)


def group_of(event_type: str) -> Group | None:
    return next((g for g in correlation_groups().values() if event_type in g.types), None)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _confidence(devices: dict[str, float]) -> float:
    product = 1.0
    for value in devices.values():
        product *= 1.0 - value
    return 1.0 - product


@dataclass(eq=False)
class Cand:
    """A candidate as correlation handles it: a plain object (no model instance, no GEOS
    geometry), since this runs for every event. ``pk`` is None until inserted."""

    pk: int | None
    group: str
    lon: float
    lat: float
    started_at: datetime
    last_at: datetime
    event_count: int = 0
    devices: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    status: str = CandidateStatus.OPEN
    tipping_event_at: datetime | None = None
    tipped_now: bool = False  # crossed its threshold with this batch


class _Pool:
    """The candidates of one group in a grid of cells at least the radius wide (at latitudes
    up to 60 degrees), so an event is compared only with those of its 3 x 3 cells."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.window = timedelta(seconds=group.window_s)
        self.cell = group.radius_m / 55_500
        self.grid: dict[tuple[int, int], list[Cand]] = {}

    def _key(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self.cell), math.floor(lat / self.cell)

    def add(self, cand: Cand) -> None:
        self.grid.setdefault(self._key(cand.lon, cand.lat), []).append(cand)

    def match(self, event: CleanEvent) -> Cand | None:
        """The nearest candidate within the radius whose first event is within the window
        (anchored there: a steady trickle of noise cannot chain for ever)."""
        cx, cy = self._key(event.lon, event.lat)
        best, best_distance = None, None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for cand in self.grid.get((cx + dx, cy + dy), ()):
                    if abs(event.occurred_at - cand.started_at) > self.window:
                        continue
                    d = distance_m(cand.lon, cand.lat, event.lon, event.lat)
                    if d <= self.group.radius_m and (best_distance is None or d < best_distance):
                        best, best_distance = cand, d
        return best


def _join(cand: Cand, event: CleanEvent, group: Group) -> None:
    cand.started_at = min(cand.started_at, event.occurred_at)
    cand.last_at = max(cand.last_at, event.occurred_at)
    cand.event_count += 1
    key = str(event.device_id)
    cand.devices[key] = max(cand.devices.get(key, 0.0), event.confidence)
    cand.confidence = _confidence(cand.devices)
    if cand.tipping_event_at is None and cand.confidence >= group.threshold:
        cand.tipping_event_at = event.occurred_at  # the event that tipped it over
        cand.tipped_now = True


def _lock_groups(names: list[str]) -> None:
    with connection.cursor() as cursor:
        for name in sorted(names):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NAMESPACE, name]
            )


_OPEN_WINDOW = (
    'SELECT id, "group", ST_X(geom), ST_Y(geom), started_at, last_at, event_count, devices,'
    " confidence, status, tipping_event_at FROM iot_candidates"
    ' WHERE "group" = ANY(%s) AND last_at >= %s AND started_at >= %s'
)


def _window(names: list[str], earliest: datetime) -> list[Cand]:
    """The candidates an event of the batch may join: first event within the window."""
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_WINDOW, [names, earliest, earliest])
        rows = cursor.fetchall()
    return [Cand(*row[:7], _json(row[7]), *row[8:]) for row in rows]


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def correlation_assign(events: list[CleanEvent]) -> list[Cand]:
    """Join events to candidates (creating them as needed, so each has an id) and set each
    event's ``candidate_id``; returns the candidates changed or created. The events need not
    be stored yet: the ingest path assigns first and inserts the rows with their candidate."""
    relevant = [(e, g) for e in events if (g := group_of(e.type))]
    if not relevant:
        return []
    names = sorted({g.name for _, g in relevant})
    _lock_groups(names)
    earliest = min(e.occurred_at - timedelta(seconds=g.window_s) for e, g in relevant)
    groups = correlation_groups()
    pool = {name: _Pool(groups[name]) for name in names}
    for cand in _window(names, earliest):
        pool[cand.group].add(cand)
    touched: dict[int, Cand] = {}
    fresh: list[Cand] = []
    links: list[tuple[CleanEvent, Cand]] = []
    for event, group in sorted(relevant, key=lambda pair: pair[0].occurred_at):
        cand = pool[group.name].match(event)
        if cand is None:
            at = event.occurred_at
            cand = Cand(None, group.name, event.lon, event.lat, at, at)
            pool[group.name].add(cand)
            fresh.append(cand)
        _join(cand, event, group)
        if cand.pk:
            touched[cand.pk] = cand
        links.append((event, cand))
    _insert(fresh)
    _save(list(touched.values()))
    for event, cand in links:
        event.candidate_id = cand.pk
    return [*touched.values(), *fresh]


def _rows(candidates: list[Cand]) -> str:
    """The candidates as one JSON array (one parameter: the statement text never changes,
    and the encoding is one C call instead of a placeholder per value)."""
    return json.dumps(
        [
            {
                "i": i,
                "id": c.pk,
                "g": c.group,
                "x": c.lon,
                "y": c.lat,
                "s": c.started_at.isoformat(),
                "l": c.last_at.isoformat(),
                "n": c.event_count,
                "d": c.devices,
                "c": c.confidence,
                "t": c.tipping_event_at.isoformat() if c.tipping_event_at else None,
            }
            for i, c in enumerate(candidates)
        ]
    )


# Both statements read the candidates from one JSON array (``_rows``).
_INSERT = (
    'INSERT INTO iot_candidates ("group", geom, started_at, last_at, event_count, devices,'
    " confidence, status, tipping_event_at, created_at)"
    " SELECT g, ST_SetSRID(ST_MakePoint(x, y), 4326), s, l, n, d, c, 'open', t, now()"
    " FROM jsonb_to_recordset(%s::jsonb) AS v(g text, x float8, y float8, s timestamptz,"
    " l timestamptz, n int, d jsonb, c float8, t timestamptz, i int) ORDER BY i RETURNING id"
)
_SAVE = (
    "UPDATE iot_candidates c SET started_at = v.s, last_at = v.l, event_count = v.n,"
    " devices = v.d, confidence = v.c, tipping_event_at = v.t"
    " FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, s timestamptz, l timestamptz, n int,"
    " d jsonb, c float8, t timestamptz) WHERE c.id = v.id"
)


def _insert(candidates: list[Cand]) -> None:
    """The new candidates in one statement; sets their ids (returned in insertion order)."""
    if not candidates:
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [_rows(candidates)])
        for cand, (pk,) in zip(candidates, cursor.fetchall(), strict=True):
            cand.pk = pk


def _save(candidates: list[Cand]) -> None:
    """The changed candidates in one statement."""
    if candidates:
        with connection.cursor() as cursor:
            cursor.execute(_SAVE, [_rows(sorted(candidates, key=lambda c: c.pk))])


_LINK = (
    "UPDATE iot_events e SET candidate_id = v.c FROM (VALUES {rows}) AS v(id, at, c)"
    " WHERE e.id = v.id AND e.occurred_at = v.at"
)


def correlation_link(events: list[CleanEvent]) -> None:
    """Set the candidate of events already stored (one statement)."""
    if not events:
        return
    rows = ", ".join(["(%s, %s::timestamptz, %s)"] * len(events))
    params: list = []
    for event in events:
        params += [event.id, event.occurred_at, event.candidate_id]
    with connection.cursor() as cursor:
        cursor.execute(_LINK.format(rows=rows), params)
