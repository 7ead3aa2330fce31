"""The small, known world the browser tests look at: Kuwait's shipped regions and
categories, incidents at fixed places, and (as the other apps provide them) hotspots, alerts
and tasks."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
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


def off_the_browser_thread(function, /, *args, **kwargs):
    """Run a service from a test in a worker thread. Playwright keeps an event loop in the
    test's thread, where the live feed's ``async_to_sync`` publish cannot run; a thread
    of its own behaves like the web server's request threads."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result(timeout=30)


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


def analytics_build(world: World) -> dict:
    """A finished hotspot run with two hotspots, national forecasts for the next 7 days and
    an evaluation report, as the nightly analytics chain would leave them."""
    from analytics.models import Forecast, Hotspot, ModelRun, RiskCell  # the analytics app's tables

    now = timezone.now()
    finished = {
        "status": "succeeded",
        "started_at": now,
        "finished_at": now,
        "duration_seconds": 1.0,
    }
    hotspot_run = ModelRun.objects.create(
        kind="hotspots", profile="kuwait", trigger="api", **finished
    )
    hotspots = [
        Hotspot.objects.create(
            run=hotspot_run,
            rank=rank,
            first_seen_at=now,
            geom=square(lon, lat, 0.006),
            centroid=Point(lon, lat, srid=4326),
            region=world.regions[region],
            incident_count=count,
            category_breakdown=breakdown,
            score=count * 2.5,
            density=count / 1.2,
            area_km2=1.2,
            first_incident_at=now - dt.timedelta(days=30),
            last_incident_at=now - dt.timedelta(hours=2),
            trend=trend,
            previous_count=count // 2,
        )
        for rank, (lon, lat, region, count, breakdown, trend) in enumerate(
            [
                (47.982, 29.371, "KW-KU", 3, {"theft": 2, "burglary": 1}, "new"),
                (48.028, 29.337, "KW-HA", 2, {"theft": 1, "assault": 1}, "persistent"),
            ],
            start=1,
        )
    ]
    forecast_run = ModelRun.objects.create(
        kind="forecasts", profile="kuwait", trigger="api", **finished
    )
    today = timezone.localdate()
    for day in range(7):
        Forecast.objects.create(
            run=forecast_run,
            region=None,
            category=None,
            date=today + dt.timedelta(days=day),
            method="prophet",
            yhat=4 + day % 3,
            lower_80=2,
            upper_80=7,
            lower_95=1,
            upper_95=9,
        )
    risk_run = ModelRun.objects.create(kind="risk", profile="kuwait", trigger="api", **finished)
    for rank, (lon, lat, score) in enumerate(
        [(47.98, 29.37, 3.0), (48.03, 29.335, 2.0), (47.93, 29.28, 1.0)], start=1
    ):
        RiskCell.objects.create(
            run=risk_run,
            col=rank,
            row=rank,
            geom=square(lon, lat, 0.0012)[0],
            score=score,
            rank=rank,
            percentile=1 - rank / 100,
        )
    evaluation = ModelRun.objects.create(
        kind="evaluation", profile="kuwait", trigger="api", metrics=EVALUATION_REPORT, **finished
    )
    return {"hotspots": hotspots, "forecast_run": forecast_run, "evaluation": evaluation}


def square(lon: float, lat: float, half: float):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


EVALUATION_REPORT = {
    "window": {"start": "2026-09-28", "end": "2026-11-23", "folds": 8},
    "counts": {
        "methods": {
            "model": {
                "mae": 1.21,
                "wape_daily": 0.16,
                "wape_weekly": 0.08,
                "coverage_80": 0.79,
                "coverage_95": 0.94,
                "accuracy": 0.84,
            },
            "same_day_last_week": {
                "mae": 1.62,
                "wape_daily": 0.22,
                "wape_weekly": 0.12,
                "coverage_80": None,
                "coverage_95": None,
                "accuracy": 0.78,
            },
            "trailing_28_day_mean": {
                "mae": 1.3,
                "wape_daily": 0.168,
                "wape_weekly": 0.09,
                "coverage_80": None,
                "coverage_95": None,
                "accuracy": 0.832,
            },
        },
        "accuracy": 0.84,
        "best_baseline": "trailing_28_day_mean",
        "best_baseline_accuracy": 0.832,
        "skill": 0.048,
    },
    "spatial": {
        "rankings": {
            "risk_map": {
                "1%": {"hit_rate": 0.11, "pai": 11.0, "pei": 0.8},
                "5%": {"hit_rate": 0.29, "pai": 5.8, "pei": 0.85},
                "10%": {"hit_rate": 0.42, "pai": 4.2, "pei": 0.88},
            },
            "counts_365d": {
                "1%": {"hit_rate": 0.098, "pai": 9.8, "pei": 0.7},
                "5%": {"hit_rate": 0.265, "pai": 5.3, "pei": 0.8},
                "10%": {"hit_rate": 0.4, "pai": 4.0, "pei": 0.85},
            },
        },
        "hotspots": {
            "5%": {
                "hotspots": 12,
                "area_share": 0.05,
                "window_share": 0.2,
                "max_hotspot_share": 0.04,
                "hit_rate": 0.27,
                "pai": 5.4,
                "pei": 0.8,
                "baseline_365d_pai_same_area": 5.3,
            }
        },
        "inhabited_area": "250 m cells with at least one incident in the 365 days before each origin",
    },
}
