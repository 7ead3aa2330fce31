# ruff: noqa: S608 - SQL is built only from model table names, module constants and choice
# values; every value from a caller is a bound parameter.
"""The morning briefing's figures for one profile and day, as plain JSON (archived as is).

Yesterday's incidents by region and by category beside the forecast for that day, today's
forecast with its 80 % and 95 % intervals, new and intensifying hotspots (with a map drawn
from the region outlines, no tiles), open alerts and tasks, and the week's accuracy
(1 - WAPE of the daily region forecasts over the seven days before today).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Max

from analytics.choices import HotspotTrend, RunKind
from analytics.models import Forecast, Hotspot
from analytics.selectors import model_run_latest
from commands.choices import ACTIVE_ALERT_STATUSES, OPEN_TASK_STATUSES
from commands.models import Alert, Task
from incidents.models import Category, Incident, Region

HOTSPOT_LIMIT = 20


def _local_day(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def _forecasts(profile: str, day: dt.date):
    """That day's forecast rows from the newest run that forecast it."""
    rows = Forecast.objects.filter(date=day, run__profile=profile)
    newest = rows.aggregate(run=Max("run_id"))["run"]
    return rows.filter(run_id=newest)


def _names(model, ids) -> dict[int, dict]:
    return {
        pk: {"code": code, "name_en": en, "name_ar": ar or en}
        for pk, code, en, ar in model.objects.filter(pk__in=ids).values_list(
            "pk", "code", "name_en", "name_ar"
        )
    }


def _actual_vs_forecast(profile: str, day: dt.date, tz: ZoneInfo, field: str) -> list[dict]:
    start, end = _local_day(day, tz)
    actual = dict(
        Incident.objects.filter(
            region__profile=profile, occurred_at__gte=start, occurred_at__lt=end
        )
        .values_list(f"{field}_id")
        .annotate(n=Count("id"))
        .values_list(f"{field}_id", "n")
    )
    other = "category" if field == "region" else "region"
    forecast = dict(
        _forecasts(profile, day)
        .filter(**{f"{field}__isnull": False, f"{other}__isnull": True})
        .values_list(f"{field}_id", "yhat")
    )
    names = _names(Region if field == "region" else Category, actual.keys() | forecast.keys())
    rows = [
        {
            **names[key],
            "actual": actual.get(key, 0),
            "forecast": round(forecast[key], 1) if key in forecast else None,
        }
        for key in names
    ]
    return sorted(rows, key=lambda row: (-row["actual"], row["code"]))


def _today(profile: str, day: dt.date) -> list[dict]:
    rows = _forecasts(profile, day).filter(region__isnull=False, category__isnull=True)
    names = _names(Region, rows.values_list("region_id", flat=True))
    return sorted(
        (
            {
                **names[f.region_id],
                "yhat": round(f.yhat, 1),
                "lower_80": round(f.lower_80, 1),
                "upper_80": round(f.upper_80, 1),
                "lower_95": round(f.lower_95, 1),
                "upper_95": round(f.upper_95, 1),
            }
            for f in rows
        ),
        key=lambda row: (-row["yhat"], row["code"]),
    )


def _hotspots(profile: str) -> tuple[list[dict], int | None]:
    run = model_run_latest(kind=RunKind.HOTSPOTS, profile=profile)
    if run is None:
        return [], None
    rows = (
        Hotspot.objects.filter(run=run, trend__in=[HotspotTrend.NEW, HotspotTrend.INTENSIFYING])
        .select_related("region")
        .order_by("rank")[:HOTSPOT_LIMIT]
    )
    return [
        {
            "id": h.pk,
            "rank": h.rank,
            "trend": h.trend,
            "incidents": h.incident_count,
            "previous": h.previous_count,
            "region_en": h.region.name_en if h.region else "",
            "region_ar": (h.region.name_ar or h.region.name_en) if h.region else "",
        }
        for h in rows
    ], run.pk


def week_accuracy(profile: str, today: dt.date, tz: ZoneInfo) -> dict:
    """1 - WAPE of the daily region forecasts over the seven days before ``today``."""
    actual_total = error_total = 0.0
    days = 0
    for offset in range(7, 0, -1):
        day = today - dt.timedelta(days=offset)
        rows = _actual_vs_forecast(profile, day, tz, "region")
        forecast_rows = [row for row in rows if row["forecast"] is not None]
        if not forecast_rows:
            continue
        days += 1
        actual_total += sum(row["actual"] for row in forecast_rows)
        error_total += sum(abs(row["actual"] - row["forecast"]) for row in forecast_rows)
    accuracy = None if not actual_total else round(1 - error_total / actual_total, 4)
    return {"days": days, "accuracy": accuracy, "actual": int(actual_total)}


def briefing_map_svg(profile: str, hotspot_run: int | None) -> str:
    """Region outlines and new/intensifying hotspot centroids as one SVG (lon/lat, y up)."""
    regions, hotspots = Region._meta.db_table, Hotspot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ST_AsSVG(ST_SimplifyPreserveTopology(ST_Transform(geom, 4326), 0.002), 0, 4),
                       ST_XMin(ST_Transform(geom, 4326)), ST_YMin(ST_Transform(geom, 4326)),
                       ST_XMax(ST_Transform(geom, 4326)), ST_YMax(ST_Transform(geom, 4326))
                FROM {regions} WHERE profile = %s ORDER BY code""",
            [profile],
        )
        outlines = cursor.fetchall()
        cursor.execute(
            f"""SELECT ST_AsSVG(ST_Transform(centroid, 4326), 0, 5), trend FROM {hotspots}
                WHERE run_id = %s AND trend IN (%s, %s) ORDER BY rank LIMIT %s""",
            [hotspot_run, HotspotTrend.NEW, HotspotTrend.INTENSIFYING, HOTSPOT_LIMIT],
        )
        points = cursor.fetchall()
    if not outlines:
        return ""
    xmin, ymin = min(r[1] for r in outlines), min(r[2] for r in outlines)
    xmax, ymax = max(r[3] for r in outlines), max(r[4] for r in outlines)
    width, height = max(xmax - xmin, 1e-6), max(ymax - ymin, 1e-6)
    stroke, radius = width / 500, width / 90
    paths = "".join(f'<path d="{r[0]}"/>' for r in outlines)
    colours = {HotspotTrend.NEW: "#c0392b", HotspotTrend.INTENSIFYING: "#e67e22"}
    dots = "".join(
        f'<circle {attrs} r="{radius:.5f}" fill="{colours[trend]}"/>' for attrs, trend in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{xmin:.5f} {-ymax:.5f} {width:.5f} {height:.5f}" '
        f'width="480" height="{480 * height / width:.0f}">'
        f'<g fill="#eef2f5" stroke="#456" stroke-width="{stroke:.5f}">{paths}</g>'
        f'<g stroke="#fff" stroke-width="{stroke:.5f}">{dots}</g></svg>'
    )


def briefing_content(*, profile: str, tz: str, today: dt.date) -> dict:
    """Everything the briefing shows, for ``today`` in the profile's zone."""
    zone = ZoneInfo(tz)
    yesterday = today - dt.timedelta(days=1)
    by_region = _actual_vs_forecast(profile, yesterday, zone, "region")
    hotspots, hotspot_run = _hotspots(profile)
    alerts = dict(
        Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES)
        .values_list("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    tasks = dict(
        Task.objects.filter(status__in=OPEN_TASK_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "profile": profile,
        "time_zone": tz,
        "day": today.isoformat(),
        "yesterday": yesterday.isoformat(),
        "yesterday_total": sum(row["actual"] for row in by_region),
        "yesterday_by_region": by_region,
        "yesterday_by_category": _actual_vs_forecast(profile, yesterday, zone, "category"),
        "today_forecast": _today(profile, today),
        "hotspots": hotspots,
        "map_svg": briefing_map_svg(profile, hotspot_run),
        "open_alerts": {"total": sum(alerts.values()), "by_severity": alerts},
        "open_tasks": {"total": sum(tasks.values()), "by_status": tasks},
        "week_accuracy": week_accuracy(profile, today, zone),
    }
