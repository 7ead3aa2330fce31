"""Incidents laid out as known hotspots inside Kuwait, for the service, task and API tests."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.gis.geos import Point

from incidents.models import Incident
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory, square

KUWAIT_TZ = ZoneInfo("Asia/Kuwait")
PLACES = [(47.975, 29.370), (48.030, 29.330)]  # two hotspots ~6 km apart (Capital, Hawalli)


def seed_incidents(
    *, end: dt.date, days: int = 200, per_day_hotspot: int = 3, background: int = 4, seed: int = 1
):
    """``days`` days of incidents before ``end``: each of PLACES gets ``per_day_hotspot`` a day
    within ~60 m, plus ``background`` scattered ones a day over ~20 km."""
    rng = np.random.default_rng(seed)
    region = RegionFactory(profile="kuwait", code="capital", geom=square(48.0, 29.35, 0.2))
    theft = CategoryFactory(code="theft", default_severity=2)
    assault = CategoryFactory(code="assault", default_severity=4)
    rows = []
    start = dt.datetime.combine(end, dt.time(), KUWAIT_TZ) - dt.timedelta(days=days)
    for day in range(days):
        base = start + dt.timedelta(days=day, hours=12)
        for lon, lat in PLACES:
            for _ in range(per_day_hotspot):
                rows.append((base, lon + rng.normal(0, 0.0005), lat + rng.normal(0, 0.0005), theft))
        for _ in range(background):
            rows.append(
                (base, 48.0 + rng.uniform(-0.1, 0.1), 29.35 + rng.uniform(-0.1, 0.1), assault)
            )
    incidents = [
        IncidentFactory.build(
            occurred_at=when,
            geom=Point(lon, lat, srid=4326),
            region=region,
            category=category,
            severity=category.default_severity,
            external_id=f"T-{i}",
        )
        for i, (when, lon, lat, category) in enumerate(rows)
    ]
    Incident.objects.bulk_create(incidents, batch_size=2000)
    return region
