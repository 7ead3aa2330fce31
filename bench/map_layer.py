"""Map-layer benchmark: the dashboard's incident layer with 100,000 incidents in view.

Seeds N incidents (default 100,000) spread over the regions with SQL ``generate_series`` in the
database named by DATABASE_URL (use your own, never the shared one), then times, through the
Django test client against the real view and PostGIS:

* ``/map/incidents`` at country zoom (clusters), city zoom (clusters), street zoom (points)
  and the heat layer, cold (cache cleared) and warm (cached);
* the reference in the same run: serialising every incident in view as GeoJSON (what a naive
  layer would send), timed and sized the same way.

Prints JSON. Usage::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_web REDIS_URL=redis://127.0.0.1:63799/6 \
        .venv/bin/python bench/map_layer.py --incidents 100000
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.gis.db.models.functions import AsGeoJSON  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from incidents.models import Category, Incident, Region  # noqa: E402
from incidents.reference import reference_data_load_defaults  # noqa: E402
from khareetaty.accounts.choices import Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402

SEED_SQL = """
INSERT INTO incidents_clean (source, external_id, category_id, occurred_at, geom, region_id,
    area, block, severity, status, channel, description, local_hour, weekday, is_weekend,
    is_night, is_holiday, created_at, updated_at)
SELECT 'bench', 'B' || g, c.id, now() - (random() * interval '25 days'),
    ST_SetSRID(ST_MakePoint(47.7 + random() * 0.45 + (g %% 7) * 0.01,
                            29.05 + random() * 0.4 + (g %% 5) * 0.005), 4326),
    NULL, '', '', 1 + (g %% 5), 'reported', 'public_report', '', 0, 0, false, false, false,
    now(), now()
FROM generate_series(1, %s) g
JOIN LATERAL (SELECT id FROM incidents_category ORDER BY id OFFSET (g %% %s) LIMIT 1) c ON true
"""

VIEWS = {
    "country_z8": ("46.5,28.4,48.5,30.2", 8, "cluster"),
    "city_z11": ("47.85,29.2,48.1,29.4", 11, "cluster"),
    "street_z15": ("47.97,29.30,47.985,29.31", 15, "cluster"),
    "heat_z9": ("46.5,28.4,48.5,30.2", 9, "heat"),
}


def seed(count: int) -> None:
    if not Region.objects.exists() or not Category.objects.exists():
        reference_data_load_defaults()
    have = Incident.objects.filter(source="bench").count()
    if have >= count:
        return
    Incident.objects.filter(source="bench").delete()
    categories = Category.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, [count, categories])
        cursor.execute(
            "UPDATE incidents_clean i SET region_id = r.id FROM incidents_region r "
            "WHERE i.source = 'bench' AND ST_Intersects(r.geom, i.geom)"
        )
        cursor.execute("ANALYZE incidents_clean")


def timed(client: Client, url: str, repeat: int = 5) -> dict:
    cold = []
    warm = []
    size = 0
    for _ in range(repeat):
        cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
        assert response.status_code == 200, response.content[:300]
    body = response.json()
    return {
        "cold_ms_median": round(statistics.median(cold), 1),
        "warm_ms_median": round(statistics.median(warm), 1),
        "bytes": size,
        "kind": body["kind"],
        "total_in_view": body["total"],
        "features_sent": len(body.get("cells") or body.get("points") or []),
    }


def naive_geojson(bbox: str) -> dict:
    """Reference: every incident in view as GeoJSON features, transformed in SQL."""
    from django.contrib.gis.geos import Polygon

    envelope = Polygon.from_bbox([float(v) for v in bbox.split(",")])
    envelope.srid = 4326
    started = time.perf_counter()
    rows = list(
        Incident.objects.filter(geom__bboverlaps=envelope)
        .annotate(json=AsGeoJSON("geom"))
        .values_list("pk", "json", "severity", "category_id")
    )
    payload = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": pk,
                    "geometry": json.loads(g),
                    "properties": {"severity": s, "category": c},
                }
                for pk, g, s, c in rows
            ],
        }
    )
    return {
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "bytes": len(payload),
        "features_sent": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    seed(args.incidents)
    seed_s = round(time.perf_counter() - started, 1)
    user = User.objects.filter(username="bench-analyst").first() or user_create(
        username="bench-analyst",
        password="Bench-Password-42",  # noqa: S106 (a local benchmark user)
        role=Role.ANALYST,
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    results = {
        name: timed(client, f"/map/incidents?period=all&bbox={bbox}&zoom={zoom}&mode={mode}")
        for name, (bbox, zoom, mode) in VIEWS.items()
    }
    print(
        json.dumps(
            {
                "incidents_total": Incident.objects.count(),
                "seed_seconds": seed_s,
                "layer": results,
                "reference_naive_geojson_country": naive_geojson(VIEWS["country_z8"][0]),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
