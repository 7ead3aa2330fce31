"""factory_boy factories for the incidents app; geometry always inside Kuwait's extent."""

import datetime as dt
from functools import lru_cache

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from incidents.geo import time_features
from incidents.models import Category, Incident, IngestBatch, Region
from incidents.profiles import Profile, ProfileError, load_profile

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

    class Params:
        # The same features the services compute, in the source profile's time zone.
        features = factory.LazyAttribute(lambda o: time_features(o.occurred_at, _profile(o.source)))

    local_hour = factory.LazyAttribute(lambda o: o.features["local_hour"])
    weekday = factory.LazyAttribute(lambda o: o.features["weekday"])
    is_weekend = factory.LazyAttribute(lambda o: o.features["is_weekend"])
    is_night = factory.LazyAttribute(lambda o: o.features["is_night"])
    is_holiday = factory.LazyAttribute(lambda o: o.features["is_holiday"])


@lru_cache(maxsize=8)
def _profile(source: str) -> Profile:
    try:
        return load_profile(source)
    except ProfileError:
        return load_profile()


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
