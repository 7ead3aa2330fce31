"""Units, shifts and a small risk map inside Kuwait (Capital) for the patrol tests."""

import datetime as dt

import factory
from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from analytics.models import ModelRun, RiskCell
from commands.tests.factories import TeamFactory
from incidents.tests.factories import RegionFactory, square
from patrol.models import Shift, Unit

ORIGIN = (47.95, 29.35)  # south-west corner of the test grid (Capital)
CELL = 0.0025  # degrees, ~250 m


def cell_polygon(col: int, row: int) -> Polygon:
    x, y = ORIGIN[0] + col * CELL, ORIGIN[1] + row * CELL
    return Polygon(((x, y), (x + CELL, y), (x + CELL, y + CELL), (x, y + CELL), (x, y)), srid=4326)


def cell_centre(col: int, row: int) -> Point:
    return Point(ORIGIN[0] + (col + 0.5) * CELL, ORIGIN[1] + (row + 0.5) * CELL, srid=4326)


def risk_map(scores: dict[tuple[int, int], float], profile: str = "kuwait") -> ModelRun:
    """A finished risk run with one cell per (col, row) and its expected weekly incidents."""
    run = ModelRun.objects.create(kind="risk", status="succeeded", profile=profile)
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    RiskCell.objects.bulk_create(
        RiskCell(
            run=run, col=c, row=r, geom=cell_polygon(c, r), score=s, rank=i + 1, percentile=100 - i
        )
        for i, ((c, r), s) in enumerate(ordered)
    )
    return run


def capital():
    return RegionFactory(profile="kuwait", code="capital", geom=square(47.98, 29.37, 0.1))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    call_sign = factory.Sequence(lambda n: f"P-{n}")
    team = factory.SubFactory(TeamFactory)
    geom = factory.LazyFunction(lambda: Point(ORIGIN[0] + 0.01, ORIGIN[1] + 0.01, srid=4326))


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    unit = factory.SubFactory(UnitFactory)
    start = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=8))
    patrol_minutes = 240
