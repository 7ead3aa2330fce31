"""factory_boy factories for the incidents app; geometry always inside Kuwait's extent."""

import datetime as dt

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from incidents.models import Category, Incident, IngestBatch, Region

# Kuwait City area, well inside the country bounding box (lon 46.55 to 48.43, lat 28.52 to 30.10).
KUWAIT_CENTRE = (47.98, 29.37)


def square(lon: float, lat: float, half_side: float = 0.05) -> MultiPolygon:
    """A square MultiPolygon centred on (lon, lat)."""
    ring = (
        (lon - half_side, lat - half_side),
        (lon + half_side, lat - half_side),
        (lon + half_side, lat + half_side),
        (lon - half_side, lat + half_side),
        (lon - half_side, lat - half_side),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("profile", "code")

    profile = "kuwait"
    code = factory.Sequence(lambda n: f"region-{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    name_ar = "منطقة"
    geom = factory.LazyFunction(lambda: square(*KUWAIT_CENTRE))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category_{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.replace("_", " ").capitalize())
    name_ar = "فئة"
    default_severity = 3


class IngestBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestBatch

    source = "kuwait"
    file_name = "test.csv"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    source = "kuwait"
    external_id = factory.Sequence(lambda n: f"INC-{n:06d}")
    category = factory.SubFactory(CategoryFactory, code="theft")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    geom = factory.LazyFunction(lambda: Point(*KUWAIT_CENTRE, srid=4326))
    region = None
    severity = 3
    local_hour = factory.LazyAttribute(lambda o: o.occurred_at.astimezone(dt.UTC).hour)
    weekday = factory.LazyAttribute(lambda o: o.occurred_at.weekday())
    is_weekend = False
    is_night = False
    is_holiday = False


NINE_CATEGORIES = (
    "theft",
    "burglary",
    "robbery",
    "assault",
    "vandalism",
    "drug_offence",
    "fraud",
    "traffic_accident",
    "public_disorder",
)


def nine_categories() -> list[Category]:
    """The demo profile's nine categories (default severity 3, robbery and assault 4)."""
    return [
        CategoryFactory(code=code, default_severity=4 if code in ("robbery", "assault") else 3)
        for code in NINE_CATEGORIES
    ]
