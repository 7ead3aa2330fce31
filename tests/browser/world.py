"""The small, known world the browser tests look at: Kuwait's shipped regions and
categories, incidents at fixed places, and (as the other apps provide them) hotspots, alerts
and tasks."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Category, Incident, Region
from incidents.reference import reference_data_load_defaults
from incidents.tests.factories import IncidentFactory

# (lon, lat, region code, category code, hours ago)
PLACES = [
    (47.978, 29.372, "KW-KU", "theft", 2),
    (47.985, 29.368, "KW-KU", "theft", 5),
    (47.990, 29.375, "KW-KU", "burglary", 30),
    (48.030, 29.335, "KW-HA", "theft", 3),
    (48.025, 29.340, "KW-HA", "assault", 50),
    (47.930, 29.280, "KW-FA", "vandalism", 10),
    (47.935, 29.275, "KW-FA", "theft", 200),
    (48.060, 29.190, "KW-MU", "fraud", 20),
    (48.050, 29.000, "KW-AH", "theft", 70),
    (47.550, 29.450, "KW-JA", "burglary", 400),
]


@dataclass
class World:
    regions: dict[str, Region]
    categories: dict[str, Category]
    incidents: list[Incident] = field(default_factory=list)


def world_build() -> World:
    reference_data_load_defaults()
    regions = {region.code: region for region in Region.objects.all()}
    categories = {category.code: category for category in Category.objects.all()}
    now = timezone.now()
    incidents = [
        IncidentFactory(
            source="browser",
            geom=Point(lon, lat, srid=4326),
            region=regions[region],
            category=categories[category],
            severity=categories[category].default_severity,
            occurred_at=now - dt.timedelta(hours=hours),
        )
        for lon, lat, region, category, hours in PLACES
    ]
    return World(regions=regions, categories=categories, incidents=incidents)


def in_period(hours: int) -> int:
    return sum(1 for place in PLACES if place[4] <= hours)
