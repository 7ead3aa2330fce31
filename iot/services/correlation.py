"""Correlation: stored events close in space and time (per group, ``iot.correlation_config``)
join one incident candidate; a candidate whose confidence passes its group's threshold
becomes an incident (``iot.services.promotion``, off the ingest path). Later events keep
joining it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from iot.correlation_config import DEFAULT_GROUPS
from iot.models import Candidate
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


class _Pool:
    """The candidates of one group in a grid of cells at least the radius wide (at latitudes
    up to 60 degrees), so an event is compared only with those of its 3 x 3 cells."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.window = timedelta(seconds=group.window_s)
        self.cell = group.radius_m / 55_500
        self.grid: dict[tuple[int, int], list[tuple[Candidate, float, float]]] = {}

    def _key(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self.cell), math.floor(lat / self.cell)

    def add(self, cand: Candidate) -> None:
        x, y = cand.geom.x, cand.geom.y
        self.grid.setdefault(self._key(x, y), []).append((cand, x, y))

    def match(self, event: CleanEvent) -> Candidate | None:
        """The nearest candidate within the radius whose first event is within the window
        (anchored there: a steady trickle of noise cannot chain for ever)."""
        cx, cy = self._key(event.lon, event.lat)
        best, best_distance = None, None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for cand, x, y in self.grid.get((cx + dx, cy + dy), ()):
                    if abs(event.occurred_at - cand.started_at) > self.window:
                        continue
                    d = distance_m(x, y, event.lon, event.lat)
                    if d <= self.group.radius_m and (best_distance is None or d < best_distance):
                        best, best_distance = cand, d
        return best


def _join(cand: Candidate, event: CleanEvent, group: Group) -> None:
    cand.started_at = min(cand.started_at, event.occurred_at)
    cand.last_at = max(cand.last_at, event.occurred_at)
    cand.event_count += 1
    key = str(event.device_id)
    cand.devices[key] = max(cand.devices.get(key, 0.0), event.confidence)
    cand.confidence = _confidence(cand.devices)
    if cand.tipping_event_at is None and cand.confidence >= group.threshold:
        cand.tipping_event_at = event.occurred_at  # the event that tipped it over


def _lock_groups(names: list[str]) -> None:
    with connection.cursor() as cursor:
        for name in sorted(names):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NAMESPACE, name]
            )


def correlation_assign(events: list[CleanEvent]) -> list[Candidate]:
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
    for cand in Candidate.objects.filter(group__in=names, last_at__gte=earliest):
        pool[cand.group].add(cand)
    touched: dict[int, Candidate] = {}
    fresh: list[Candidate] = []
    links: list[tuple[CleanEvent, Candidate]] = []
    for event, group in sorted(relevant, key=lambda pair: pair[0].occurred_at):
        cand = pool[group.name].match(event)
        if cand is None:
            cand = Candidate(
                group=group.name,
                geom=Point(event.lon, event.lat, srid=4326),
                started_at=event.occurred_at,
                last_at=event.occurred_at,
                devices={},
            )
            pool[group.name].add(cand)
            fresh.append(cand)
        _join(cand, event, group)
        if cand.pk:
            touched[cand.pk] = cand
        links.append((event, cand))
    Candidate.objects.bulk_create(fresh)
    _save(list(touched.values()))
    for event, cand in links:
        event.candidate_id = cand.pk
    return [*touched.values(), *fresh]


_SAVE = (
    "UPDATE iot_candidates c SET started_at = v.s, last_at = v.l, event_count = v.n,"
    " devices = v.d, confidence = v.c, tipping_event_at = v.t"
    " FROM (VALUES {rows}) AS v(id, s, l, n, d, c, t) WHERE c.id = v.id"
)


def _save(candidates: list[Candidate]) -> None:
    """The changed candidates in one statement (Django's bulk_update builds a CASE per
    field and row, several times slower here)."""
    if not candidates:
        return
    rows = ", ".join(
        ["(%s, %s::timestamptz, %s::timestamptz, %s, %s::jsonb, %s, %s::timestamptz)"]
        * len(candidates)
    )
    params: list = []
    for c in sorted(candidates, key=lambda c: c.pk):
        params += [c.pk, c.started_at, c.last_at, c.event_count, json.dumps(c.devices)]
        params += [c.confidence, c.tipping_event_at]
    with connection.cursor() as cursor:
        cursor.execute(_SAVE.format(rows=rows), params)


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
