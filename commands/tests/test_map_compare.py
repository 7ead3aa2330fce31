"""Compare with the previous period: the window's counts and the previous window's match a
direct count of the constructed incidents; the change cells add up to the same numbers."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Incident
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
SINCE, UNTIL = NOW - dt.timedelta(days=7), NOW
BEFORE = SINCE - dt.timedelta(days=7)


@pytest.fixture
def world():
    theft, fraud = CategoryFactory(code="theft"), CategoryFactory(code="fraud")
    region = RegionFactory(code="KW-HA")
    # (days ago, category, lon): 5 in this week, 3 in the week before, 2 older.
    for days, category, lon in [
        (1, theft, 48.02),
        (2, theft, 48.02),
        (3, fraud, 48.03),
        (6.9, theft, 48.10),
        (0.1, fraud, 48.02),
        (7.5, theft, 48.02),
        (10, theft, 48.10),
        (13.9, fraud, 48.02),
        (14.5, theft, 48.02),
        (30, theft, 48.02),
    ]:
        IncidentFactory(
            occurred_at=NOW - dt.timedelta(days=days),
            category=category,
            region=region,
            geom=Point(lon, 29.33, srid=4326),
        )


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role):
        client.force_login(make_user(role))
        return client

    return sign_in


def _compare(client, **extra):
    params = {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "zoom": 11, **extra}
    return client.get("/map/compare", params)


def test_counts_match_a_direct_count_of_both_windows(signed_in, world):
    body = _compare(signed_in(Role.VIEWER)).json()

    in_window = Incident.objects.filter(occurred_at__gte=SINCE, occurred_at__lt=UNTIL).count()
    before = Incident.objects.filter(occurred_at__gte=BEFORE, occurred_at__lt=SINCE).count()
    assert (body["current"]["total"], body["previous"]["total"]) == (in_window, before) == (5, 3)
    assert body["previous"]["since"] == BEFORE.isoformat()
    assert sum(c[2] for c in body["cells"]) == 5 and sum(c[3] for c in body["cells"]) == 3


def test_the_filter_bar_applies_to_both_windows(signed_in, world):
    body = _compare(signed_in(Role.ANALYST), category="fraud").json()
    assert (body["current"]["total"], body["previous"]["total"]) == (2, 1)


def test_a_window_without_both_ends_or_backwards_answers_400(signed_in, world):
    client = signed_in(Role.VIEWER)
    assert client.get("/map/compare", {"since": SINCE.isoformat()}).status_code == 400
    assert _compare(client, since=UNTIL.isoformat(), until=SINCE.isoformat()).status_code == 400
    assert _compare(client, bbox="1,2").status_code == 400


def test_field_supervisors_are_refused(client, make_user, world):
    client.force_login(make_user(Role.FIELD_SUPERVISOR))
    assert _compare(client).status_code == 403
