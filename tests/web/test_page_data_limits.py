"""Page data (``/map/*``): rate-limited like the API, cached by what matters, bounded."""

import pytest
from django.contrib.gis.geos import Point

from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from tests.web.conftest import COUNTRY, bulk_incidents


@pytest.fixture
def incidents(db):
    theft = CategoryFactory(code="theft")
    RegionFactory(code="KW-KU")
    IncidentFactory(category=theft, geom=Point(47.98, 29.37, srid=4326))
    IncidentFactory(category=theft, geom=Point(47.99, 29.36, srid=4326))
    return theft


def counted(captured) -> bool:
    """Whether any captured query counted incidents (the layer was computed, not cached)."""
    return any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


def test_an_unknown_query_parameter_hits_the_same_cache_entry(
    page_client, incidents, django_assert_max_num_queries
):
    query = {"period": "all", "bbox": COUNTRY, "zoom": 12, "mode": "heat"}
    first = page_client.get("/map/incidents", {**query, "x": "8f3a"})
    assert first.status_code == 200
    with django_assert_max_num_queries(4) as captured:  # user, the form's choices, version
        again = page_client.get("/map/incidents", {**query, "x": "c01d", "y": "1"})
    assert again.json() == first.json()
    assert not counted(captured)


def test_spellings_of_the_same_filter_share_a_cache_entry(
    page_client, incidents, django_assert_max_num_queries
):
    first = page_client.get(
        "/map/incidents", {"bbox": "46.5,28.4,48.5,30.2", "zoom": "12", "region": ["KW-KU"]}
    )
    assert first.status_code == 200
    with django_assert_max_num_queries(4) as captured:
        again = page_client.get(
            "/map/incidents",
            {"bbox": "46.50,28.40,48.5,30.20", "zoom": "012", "region": ["KW-KU", "KW-KU"]},
        )
    assert again.json() == first.json()
    assert not counted(captured)


def test_daily_counts_are_cached_by_the_filter_whatever_the_view(
    page_client, incidents, django_assert_max_num_queries
):
    first = page_client.get("/map/daily", {"period": "all", "bbox": COUNTRY})
    with django_assert_max_num_queries(4) as captured:
        again = page_client.get("/map/daily", {"period": "all", "zoom": 3, "x": "1"})
    assert again.json() == first.json()
    assert not counted(captured)


@pytest.mark.parametrize("path", ["/map/incidents", "/map/daily"])
def test_page_data_over_the_rate_answers_429_with_retry_after(
    page_client, incidents, path, settings
):
    settings.API_RATE_LIMIT = "3/min"
    statuses = [page_client.get(path).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = page_client.get(path, {"x": "new"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"


def test_the_page_data_budget_is_separate_from_the_api_budget(page_client, incidents, settings):
    settings.API_RATE_LIMIT = "2/min"
    assert [page_client.get("/map/daily").status_code for _ in range(3)] == [200, 200, 429]
    assert page_client.get("/api/auth/me").status_code == 200


def test_zoom_beyond_the_map_is_clamped_not_refused(page_client, incidents, settings):
    deepest = settings.LEAFLET_CONFIG.get("MAX_ZOOM", 18)
    beyond = page_client.get("/map/incidents", {"bbox": COUNTRY, "zoom": 40, "mode": "heat"})
    at_max = page_client.get("/map/incidents", {"bbox": COUNTRY, "zoom": deepest, "mode": "heat"})
    assert beyond.status_code == 200
    assert beyond.json() == at_max.json()


@pytest.mark.parametrize("bbox", ["nan,nan,nan,nan", "inf,28,48,30", "47,28,-inf,30"])
def test_a_box_that_is_not_finite_is_refused(page_client, incidents, bbox):
    response = page_client.get("/map/incidents", {"bbox": bbox})
    assert response.status_code == 400
    assert "bbox" in response.json()["errors"]


def test_one_answer_holds_at_most_the_configured_cells_and_counts_every_incident(
    page_client, incidents, settings
):
    settings.MAP_LAYER_MAX_CELLS = 25
    points = [(46.6 + (i % 20) * 0.09, 28.6 + (i // 20) * 0.15) for i in range(200)]
    bulk_incidents(incidents, points, tag="S")
    response = page_client.get(
        "/map/incidents", {"period": "all", "bbox": COUNTRY, "zoom": 18, "mode": "heat"}
    )
    body = response.json()
    assert len(body["cells"]) <= 25
    assert body["total"] == 202
    assert len(response.content) <= 25 * 64 + 200
