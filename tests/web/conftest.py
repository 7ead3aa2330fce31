"""Fixtures for the page and page-data tests."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Category, Incident
from khareetaty.accounts.choices import Role

# Kuwait's extent as a map box (west,south,east,north).
COUNTRY = "46.5,28.4,48.5,30.2"


@pytest.fixture
def page_client(client, make_user):
    """A browser session signed in as a viewer (the least role that sees the dashboard)."""
    client.force_login(make_user(Role.VIEWER))
    return client


def bulk_incidents(category: Category, points: list[tuple[float, float]], *, tag: str) -> None:
    """One incident of ``category`` at each (lon, lat), created in one INSERT (too many for
    factories); their ids are ``<tag><n>``, their severities run 1 to 5."""
    Incident.objects.bulk_create(
        Incident(
            source="bulk",
            external_id=f"{tag}{i}",
            category=category,
            occurred_at=timezone.now(),
            geom=Point(lon, lat, srid=4326),
            severity=1 + i % 5,
            local_hour=1,
            weekday=1,
            is_weekend=False,
            is_night=False,
            is_holiday=False,
        )
        for i, (lon, lat) in enumerate(points)
    )
