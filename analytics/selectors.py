"""Reads of the analytics app, shared by the API, the pages and the tasks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.contrib.gis.db.models.functions import Transform
from django.db.models import QuerySet

from analytics.choices import RunKind, RunStatus
from analytics.core.frames import empty_frame
from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from incidents.choices import IncidentChannel
from incidents.gis import PointX, PointY
from incidents.models import Incident

USABLE = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)


def incident_frame(
    *, region_profile: str, start: dt.datetime, end: dt.datetime, tz, exclude_patrol: bool = True
) -> pd.DataFrame:
    """The incidents of a profile's regions in ``[start, end)`` as the core's incident frame
    (local wall-clock times). Patrol finds are left out by default, so patrols do not feed
    their own forecasts and risk map."""
    rows = Incident.objects.filter(
        region__profile=region_profile, occurred_at__gte=start, occurred_at__lt=end
    )
    if exclude_patrol:
        rows = rows.exclude(channel=IncidentChannel.PATROL)
    values = list(
        rows.annotate(lon=PointX(Transform("geom", 4326)), lat=PointY(Transform("geom", 4326)))
        .values_list("occurred_at", "lon", "lat", "region__code", "category__code", "severity")
        .order_by()
    )
    if not values:
        return empty_frame()
    occurred, lon, lat, region, category, severity = zip(*values, strict=True)
    times = pd.DatetimeIndex(occurred).tz_convert(tz).tz_localize(None)
    frame = pd.DataFrame(
        {
            "occurred_at": times.astype("datetime64[us]"),
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "region": region,
            "category": category,
            "severity": np.asarray(severity, dtype=np.int16),
        }
    )
    return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)


def model_run_list(*, profile: str | None = None) -> QuerySet[ModelRun]:
    runs = ModelRun.objects.select_related("requested_by").prefetch_related("steps")
    return runs.filter(profile=profile) if profile else runs


def model_run_latest(*, kind: str, profile: str | None = None) -> ModelRun | None:
    """The newest finished, usable run of ``kind`` (optionally of one profile)."""
    runs = ModelRun.objects.filter(kind=kind, status__in=USABLE)
    if profile:
        runs = runs.filter(profile=profile)
    return runs.order_by("-id").first()


def model_run_running() -> ModelRun | None:
    return (
        ModelRun.objects.filter(
            kind=RunKind.PIPELINE, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        )
        .order_by("-id")
        .first()
    )


def _run_or_latest(run_id: int | None, kind: str, profile: str | None) -> int | None:
    if run_id:
        return run_id
    latest = model_run_latest(kind=kind, profile=profile)
    return latest.pk if latest else None


def hotspot_list(*, run_id: int | None = None, profile: str | None = None) -> QuerySet[Hotspot]:
    """Hotspots of one run (by default the latest hotspot run)."""
    run_id = _run_or_latest(run_id, RunKind.HOTSPOTS, profile)
    return Hotspot.objects.filter(run_id=run_id).select_related("region").order_by("rank")


def forecast_list(*, run_id: int | None = None, profile: str | None = None) -> QuerySet[Forecast]:
    run_id = _run_or_latest(run_id, RunKind.FORECASTS, profile)
    return Forecast.objects.filter(run_id=run_id).select_related("region", "category")


def risk_cell_list(*, run_id: int | None = None, profile: str | None = None) -> QuerySet[RiskCell]:
    run_id = _run_or_latest(run_id, RunKind.RISK, profile)
    return RiskCell.objects.filter(run_id=run_id).order_by("rank")


def evaluation_latest(*, profile: str | None = None) -> ModelRun | None:
    return model_run_latest(kind=RunKind.EVALUATION, profile=profile)


def model_card_latest(*, profile: str | None = None, run_id: int | None = None) -> ModelRun | None:
    """The newest finished chain that published a model card (or the chain ``run_id``)."""
    runs = ModelRun.objects.filter(kind=RunKind.PIPELINE, metrics__has_key="model_card")
    if run_id:
        runs = runs.filter(pk=run_id)
    if profile:
        runs = runs.filter(profile=profile)
    return runs.order_by("-id").first()


def model_cards_in_month(
    *, start: dt.datetime, end: dt.datetime, profile: str | None = None
) -> list[ModelRun]:
    """Finished chains that published a model card between ``start`` and ``end``, oldest first."""
    runs = ModelRun.objects.filter(
        kind=RunKind.PIPELINE,
        metrics__has_key="model_card",
        finished_at__gte=start,
        finished_at__lt=end,
    )
    if profile:
        runs = runs.filter(profile=profile)
    return list(runs.order_by("finished_at", "id"))


def previous_hotspots(*, run: ModelRun) -> list[Hotspot]:
    """The hotspots of the profile's latest earlier hotspot run, for identity tracking."""
    previous = (
        ModelRun.objects.filter(
            kind=RunKind.HOTSPOTS, profile=run.profile, status__in=USABLE, id__lt=run.pk
        )
        .order_by("-id")
        .first()
    )
    return list(previous.hotspots.all()) if previous else []
