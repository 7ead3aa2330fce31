"""The dashboard's incident map layer: aggregation, filters, and its query budget."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.views import POINT_LIMIT
from incidents.services import incident_search_refresh
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from tests.web.conftest import COUNTRY, bulk_incidents


@pytest.fixture
def places(db):
    theft = CategoryFactory(code="theft")
    fraud = CategoryFactory(code="fraud")
    capital = RegionFactory(code="KW-KU")
    jahra = RegionFactory(code="KW-JA")
    now = timezone.now()
    IncidentFactory(category=theft, region=capital, severity=2, geom=Point(47.98, 29.37, srid=4326))
    IncidentFactory(
        category=theft,
        region=capital,
        severity=4,
        geom=Point(47.99, 29.36, srid=4326),
        occurred_at=now - dt.timedelta(days=3),
    )
    IncidentFactory(
        category=fraud,
        region=jahra,
        severity=5,
        geom=Point(47.55, 29.45, srid=4326),
        occurred_at=now - dt.timedelta(days=40),
    )
    return {"theft": theft, "capital": capital}


def layer(client, **params):
    query = {"period": "all", "bbox": COUNTRY, "zoom": 12, **params}
    response = client.get("/map/incidents", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_few_incidents_in_view_are_sent_as_points(page_client, places):
    body = layer(page_client)
    assert body["kind"] == "points"
    assert body["total"] == 3
    assert sorted(point[4] for point in body["points"]) == ["fraud", "theft", "theft"]


def test_period_filter_counts_only_recent_incidents(page_client, places):
    assert layer(page_client, period="24h")["total"] == 1
    assert layer(page_client, period="7d")["total"] == 2
    assert layer(page_client, period="90d")["total"] == 3


def test_category_filter(page_client, places):
    assert layer(page_client, category="fraud")["total"] == 1


def test_region_filter_accepts_several_regions(page_client, places):
    assert layer(page_client, region="KW-KU")["total"] == 2
    assert layer(page_client, region=["KW-KU", "KW-JA"])["total"] == 3


def test_severity_filter_is_a_minimum(page_client, places):
    assert layer(page_client, severity=4)["total"] == 2


def test_bbox_limits_the_layer_to_the_view(page_client, places):
    assert layer(page_client, bbox="47.9,29.3,48.1,29.4")["total"] == 2


def test_bad_bbox_is_refused_with_the_field_named(page_client, places):
    response = page_client.get("/map/incidents", {"bbox": "48,29,47,30"})
    assert response.status_code == 400
    assert "bbox" in response.json()["errors"]


def test_many_incidents_are_clustered_and_every_incident_is_counted(page_client, places):
    theft = places["theft"]
    points = [(47.9 + (i % 50) * 0.004, 29.3 + (i // 50) * 0.002) for i in range(POINT_LIMIT)]
    bulk_incidents(theft, points, tag="B")
    body = layer(page_client, zoom=9)
    assert body["kind"] == "clusters"
    assert body["total"] == POINT_LIMIT + 3
    assert sum(cell[0] for cell in body["cells"]) == POINT_LIMIT + 3
    assert len(body["cells"]) < 50  # a handful of clusters, not thousands of markers
    heat = layer(page_client, zoom=9, mode="heat")
    assert heat["kind"] == "heat"
    assert sum(cell[0] for cell in heat["cells"]) == POINT_LIMIT + 3
    assert len(heat["cells"]) > len(body["cells"])  # finer cells than the clusters


def test_layer_query_budget(page_client, places, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        layer(page_client, region="KW-KU", category="theft")


def test_layer_is_cached_until_an_incident_is_added(
    page_client, places, django_assert_max_num_queries
):
    first = layer(page_client)
    with django_assert_max_num_queries(4):  # session, user, version: no layer query
        assert layer(page_client) == first
    # The cache holds the encoded answer: the same bytes and type as the first response.
    query = {"period": "all", "bbox": COUNTRY, "zoom": 12}
    again, cached = (page_client.get("/map/incidents", query) for _ in range(2))
    assert cached.content == again.content and cached["Content-Type"] == "application/json"
    IncidentFactory(category=places["theft"], geom=Point(47.97, 29.37, srid=4326))
    assert layer(page_client)["total"] == first["total"] + 1


def test_the_layer_needs_a_signed_in_user(client, places):
    response = client.get("/map/incidents", {"bbox": COUNTRY})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_daily_counts_follow_the_filters(page_client, places):
    response = page_client.get("/map/daily", {"period": "90d", "region": "KW-KU"})
    assert response.status_code == 200
    assert sum(n for _day, n in response.json()["days"]) == 2


def test_search_filters_the_layer_like_the_list(page_client, places):
    IncidentFactory(
        category=places["theft"],
        region=places["capital"],
        description="Wallet snatched · سرقة محفظة",
        geom=Point(47.97, 29.37, srid=4326),
    )
    incident_search_refresh()
    assert layer(page_client, q="wallets")["total"] == 1
    assert layer(page_client, q="محفظة")["total"] == 1
    assert layer(page_client, q="")["total"] == 4
    assert layer(page_client, q="nothing-like-it")["total"] == 0
