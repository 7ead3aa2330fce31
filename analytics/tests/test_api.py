"""The analytics API: runs, hotspots, forecasts, risk grid, evaluation; roles on every view."""

import datetime as dt
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from analytics.choices import HotspotTrend, RunKind, RunStatus
from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from incidents.tests.factories import CategoryFactory, RegionFactory, square
from khareetaty.accounts.choices import Role

BASE = "/api/analytics/"


def finished(kind, **extra):
    return ModelRun.objects.create(
        kind=kind, status=RunStatus.SUCCEEDED, finished_at=timezone.now(), **extra
    )


def hotspot(run, rank, trend, score, region=None):
    now = timezone.now()
    return Hotspot.objects.create(
        run=run,
        rank=rank,
        track=uuid.uuid4(),
        first_seen_at=now,
        geom=square(47.98 + rank / 100, 29.37, half_side=0.002),
        centroid=Point(47.98 + rank / 100, 29.37, srid=4326),
        region=region,
        incident_count=10 * rank,
        category_breakdown={"theft": 10 * rank},
        score=score,
        density=100.0,
        area_km2=0.1,
        first_incident_at=now,
        last_incident_at=now,
        trend=trend,
    )


@pytest.fixture
def results(db):
    capital = RegionFactory(code="capital")
    hawalli = RegionFactory(code="hawalli")
    theft = CategoryFactory(code="theft")
    old = finished(RunKind.HOTSPOTS)
    hotspot(old, 1, HotspotTrend.NEW, 5.0)
    run = finished(RunKind.HOTSPOTS)
    hotspot(run, 1, HotspotTrend.PERSISTENT, 50.0, capital)
    hotspot(run, 2, HotspotTrend.NEW, 10.0, hawalli)
    forecasts = finished(RunKind.FORECASTS)
    for region, category in ((None, None), (capital, None), (capital, theft)):
        for day in range(7):
            Forecast.objects.create(
                run=forecasts,
                region=region,
                category=category,
                date=dt.date(2025, 6, 1 + day),
                method="prophet",
                yhat=5,
                lower_80=3,
                upper_80=7,
                lower_95=2,
                upper_95=8,
            )
    risk = finished(RunKind.RISK)
    for rank in range(1, 4):
        RiskCell.objects.create(
            run=risk,
            col=rank,
            row=1,
            geom=square(47.9 + rank / 100, 29.3, half_side=0.002)[0],
            score=10.0 / rank,
            rank=rank,
            percentile=100 - rank,
        )
    return {"old": old, "run": run, "capital": capital, "forecasts": forecasts, "risk": risk}


def test_analysts_start_runs_and_a_second_request_gets_the_running_one(
    client_for, django_capture_on_commit_callbacks
):
    analyst = client_for(Role.ANALYST)
    with django_capture_on_commit_callbacks() as callbacks:
        first = analyst.post(BASE + "runs", {"profile": "kuwait"}, format="json")
    assert first.status_code == 202 and first.data["already_running"] is False
    assert len(callbacks) == 1  # the chain is sent to a worker once the request commits
    second = analyst.post(BASE + "runs", {"profile": "kuwait"}, format="json")
    assert (
        second.status_code == 202
        and second.data["already_running"] is True
        and second.data["id"] == first.data["id"]
    )
    detail = client_for(Role.VIEWER).get(BASE + f"runs/{first.data['id']}")
    assert (
        detail.status_code == 200
        and detail.data["status"] == RunStatus.QUEUED
        and detail.data["kind"] == RunKind.PIPELINE
    )


def test_viewers_cannot_start_runs_and_strangers_see_nothing(client_for, api_client):
    assert client_for(Role.VIEWER).post(BASE + "runs", {}, format="json").status_code == 403
    assert api_client.get(BASE + "hotspots").status_code == 401
    assert (
        client_for(Role.ANALYST)
        .post(BASE + "runs", {"profile": "atlantis"}, format="json")
        .status_code
        == 400
    )


def test_hotspots_are_geojson_of_the_latest_run_with_filters(
    client_for, results, django_assert_max_num_queries
):
    client = client_for(Role.VIEWER)
    with django_assert_max_num_queries(6):
        body = client.get(BASE + "hotspots").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["features"][0]["properties"]["region_code"] == "capital"
    assert [
        f["properties"]["trend"] for f in client.get(BASE + "hotspots?trend=new").json()["features"]
    ] == ["new"]
    assert len(client.get(BASE + "hotspots?min_score=20").json()["features"]) == 1
    assert (
        len(client.get(BASE + f"hotspots?region={results['capital'].pk}").json()["features"]) == 1
    )
    assert (
        client.get(BASE + f"hotspots?run={results['old'].pk}").json()["features"][0]["properties"][
            "score"
        ]
        == 5.0
    )


def test_forecasts_filter_by_region_category_and_run(client_for, results):
    client = client_for(Role.VIEWER)
    assert client.get(BASE + "forecasts").json()["count"] == 21
    assert client.get(BASE + "forecasts?national=true").json()["count"] == 7
    assert (
        client.get(BASE + f"forecasts?region={results['capital'].pk}&all_categories=true").json()[
            "count"
        ]
        == 7
    )
    rows = client.get(BASE + "forecasts?category=theft").json()["results"]
    assert len(rows) == 7 and rows[0]["upper_95"] == 8 and rows[0]["category_code"] == "theft"
    assert client.get(BASE + f"forecasts?run={results['forecasts'].pk + 999}").json()["count"] == 0


def test_risk_grid_is_geojson_ranked(client_for, results):
    body = client_for(Role.VIEWER).get(BASE + "risk").json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["rank"] for f in body["features"]] == [1, 2, 3]
    assert len(client_for(Role.VIEWER).get(BASE + "risk?top=2").json()["features"]) == 2


def test_evaluation_before_any_run_answers_an_empty_report_marked_not_run(client_for, db):
    response = client_for(Role.VIEWER).get(BASE + "evaluation")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "not_run"
    assert body["run"] is None and body["report"] == {}


def test_evaluation_report_is_served_once_one_has_run(client_for, db):
    client = client_for(Role.VIEWER)
    assert client.get(BASE + "evaluation").json()["status"] == "not_run"
    run = finished(RunKind.EVALUATION, metrics={"counts": {"accuracy": 0.84}})
    body = client.get(BASE + "evaluation").json()
    assert body["status"] == RunStatus.SUCCEEDED
    assert body["run"] == run.pk and body["report"]["counts"]["accuracy"] == 0.84


def test_model_card_is_served_once_a_chain_has_published_one(client_for, db):
    client = client_for(Role.VIEWER)
    assert client.get(BASE + "model-card").json()["status"] == "not_run"
    run = finished(RunKind.PIPELINE, metrics={"model_card": {"forecaster": "gbm"}})
    body = client.get(BASE + "model-card").json()
    assert body["run"] == run.pk and body["card"]["forecaster"] == "gbm"
    assert client.get(BASE + f"model-card?run={run.pk + 1}").json()["status"] == "not_run"
