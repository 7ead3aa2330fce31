"""Hotspot detection and tracking, forecasts and the risk map through the database path."""

import datetime as dt

import pandas as pd
import pytest
from django.contrib.gis.geos import Point

from analytics.choices import HotspotTrend, RunKind, RunStatus
from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from analytics.profiles import AnalyticsProfile
from analytics.selectors import incident_frame
from analytics.services.forecasts import forecasts_generate
from analytics.services.hotspots import HotspotParameters, hotspots_detect
from analytics.services.risk import risk_map_generate
from analytics.tests.factories import KUWAIT_TZ, PLACES, seed_incidents
from incidents.choices import IncidentChannel
from incidents.models import Incident

END = dt.date(2025, 6, 1)


@pytest.fixture
def kuwait(db):
    seed_incidents(end=END)
    return AnalyticsProfile.load("kuwait")


def frame_for(context):
    return incident_frame(
        region_profile="kuwait",
        start=dt.datetime(2024, 1, 1, tzinfo=KUWAIT_TZ),
        end=dt.datetime(2025, 7, 1, tzinfo=KUWAIT_TZ),
        tz=context.tz,
    )


def step(kind):
    parent = ModelRun.objects.create(kind=RunKind.PIPELINE, status=RunStatus.RUNNING)
    return ModelRun.objects.create(kind=kind, parent=parent, status=RunStatus.RUNNING)


def test_patrol_finds_are_left_out_of_the_frame(kuwait):
    before = len(frame_for(kuwait))
    Incident.objects.filter(pk__in=Incident.objects.values("pk")[:10]).update(
        channel=IncidentChannel.PATROL
    )
    assert len(frame_for(kuwait)) == before - 10


@pytest.mark.parametrize("mode", ["adaptive", "dbscan"])
def test_hotspots_are_found_where_the_incidents_concentrate(kuwait, mode):
    run = step(RunKind.HOTSPOTS)
    # two places hold 60 % of this small window: allow that, so neither is split
    params = HotspotParameters.from_dict(
        {"mode": mode, "eps_m": 300, "min_samples": 20, "max_share": 0.5}
    )
    hotspots = hotspots_detect(
        run=run, context=kuwait, frame=frame_for(kuwait), end=pd.Timestamp(END), params=params
    )
    assert len(hotspots) == 2
    stored = Hotspot.objects.filter(run=run).order_by("rank")
    for hotspot in stored:
        nearest = min(
            PLACES,
            key=lambda p: (p[0] - hotspot.centroid.x) ** 2 + (p[1] - hotspot.centroid.y) ** 2,
        )
        assert (
            abs(hotspot.centroid.x - nearest[0]) < 0.002
            and abs(hotspot.centroid.y - nearest[1]) < 0.002
        )
        assert hotspot.geom.contains(hotspot.centroid)
        assert hotspot.incident_count >= 90 * 3 * 0.9
        assert hotspot.category_breakdown.get("theft", 0) >= 0.9 * hotspot.incident_count
        assert hotspot.region.code == "capital"
        assert hotspot.trend == HotspotTrend.PERSISTENT
        assert hotspot.last_incident_at < dt.datetime.combine(END, dt.time(), KUWAIT_TZ)
    assert run.metrics["hotspots"] == 2


def test_hotspots_keep_their_identity_across_runs(kuwait):
    frame = frame_for(kuwait)
    first = step(RunKind.HOTSPOTS)
    hotspots_detect(
        run=first,
        context=kuwait,
        frame=frame,
        end=pd.Timestamp(END) - pd.Timedelta(days=1),
        params=HotspotParameters(),
    )
    first.status = RunStatus.SUCCEEDED
    first.save()
    second = step(RunKind.HOTSPOTS)
    hotspots_detect(
        run=second, context=kuwait, frame=frame, end=pd.Timestamp(END), params=HotspotParameters()
    )
    before = {h.track: h for h in Hotspot.objects.filter(run=first)}
    after = list(Hotspot.objects.filter(run=second))
    assert len(after) == 2
    for hotspot in after:
        assert hotspot.track in before
        assert hotspot.runs_seen == 2
        assert hotspot.first_seen_at == before[hotspot.track].first_seen_at


def test_a_hotspot_that_appears_in_the_window_is_new(kuwait):
    frame = frame_for(kuwait)
    # keep only the last 60 days at the second place: it did not exist in the previous window
    lon = PLACES[1][0]
    old = (frame["occurred_at"] < pd.Timestamp(END) - pd.Timedelta(days=60)) & (
        (frame["lon"] - lon).abs() < 0.003
    )
    run = step(RunKind.HOTSPOTS)
    hotspots_detect(
        run=run,
        context=kuwait,
        frame=frame[~old],
        end=pd.Timestamp(END),
        params=HotspotParameters(),
    )
    trends = {round(h.centroid.x, 2): h.trend for h in Hotspot.objects.filter(run=run)}
    assert trends[round(PLACES[1][0], 2)] == HotspotTrend.NEW
    assert trends[round(PLACES[0][0], 2)] == HotspotTrend.PERSISTENT


def test_forecasts_are_stored_per_region_nationally_and_per_category(kuwait):
    run = step(RunKind.FORECASTS)
    metrics = forecasts_generate(
        run=run, context=kuwait, frame=frame_for(kuwait), end=pd.Timestamp(END), workers=2
    )
    assert metrics["series"] == 4  # national, capital, capital x theft, capital x assault
    assert not metrics["failed"]
    rows = Forecast.objects.filter(run=run)
    assert rows.count() == 4 * 7
    national = rows.filter(region__isnull=True)
    assert national.count() == 7 and national.first().date == END
    capital = rows.filter(region__code="capital", category__isnull=True)
    assert sum(r.yhat for r in capital) == pytest.approx(7 * 10, rel=0.25)  # 10 incidents a day
    assert all(r.lower_95 <= r.lower_80 <= r.yhat <= r.upper_80 <= r.upper_95 for r in rows)


def test_prophet_forecasts_are_made_coherent_when_the_profile_chooses_prophet(kuwait, settings):
    settings.ANALYTICS_FORECASTER_BY_PROFILE = {"kuwait": "prophet"}
    run = step(RunKind.FORECASTS)
    metrics = forecasts_generate(
        run=run, context=kuwait, frame=frame_for(kuwait), end=pd.Timestamp(END), workers=2
    )
    assert metrics["forecaster"] == "prophet" and metrics["methods"]["prophet"] == 4
    rows = Forecast.objects.filter(run=run)
    for day in rows.values_list("date", flat=True).distinct():
        national = rows.get(date=day, region=None)
        capital = rows.get(date=day, region__code="capital", category=None)
        parts = rows.filter(date=day, region__code="capital", category__isnull=False)
        assert national.yhat == pytest.approx(capital.yhat, abs=0.01)
        assert sum(p.yhat for p in parts) == pytest.approx(capital.yhat, abs=0.01)
    assert all(r.lower_95 <= r.lower_80 <= r.yhat <= r.upper_80 <= r.upper_95 for r in rows)


def test_risk_map_ranks_the_hotspot_cells_first(kuwait):
    run = step(RunKind.RISK)
    metrics = risk_map_generate(
        run=run, context=kuwait, frame=frame_for(kuwait), end=pd.Timestamp(END)
    )
    cells = list(RiskCell.objects.filter(run=run).order_by("rank"))
    assert len(cells) == metrics["cells"] > 10
    assert cells[0].score >= cells[-1].score
    top_two = cells[:2]
    for cell in top_two:
        assert any(cell.geom.buffer(0.001).contains(Point(*p, srid=4326)) for p in PLACES)
    # three incidents a day at each place: about 21 expected next week around it
    assert 5 < cells[0].score < 25
