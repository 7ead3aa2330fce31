"""Hotspot detection for one run: cluster, outline, score, trend and identity tracking."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from analytics.choices import HotspotMode
from analytics.core.clustering import (
    AdaptiveParams,
    adaptive_hotspots,
    dbscan_binned,
    hotspot_density,
    inhabited_cells,
    match_by_overlap,
    trend_label,
)
from analytics.core.grid import Grid
from analytics.models import Hotspot, ModelRun
from analytics.profiles import AnalyticsProfile
from analytics.selectors import previous_hotspots
from analytics.services.geometry import cells_outline, centroid_wgs84, points_outline
from analytics.services.steps import aware, run_window_save

CELL_KEY = 100_000  # absolute key = col * CELL_KEY + row (UTM rows stay below 40,000 at 250 m)


@dataclass(frozen=True)
class HotspotParameters:
    """Per-run settings: ``mode`` adaptive (default) or dbscan; eps in metres and
    min_samples for dbscan (the brief's 2.2 km / 5); an optional category group."""

    mode: str = HotspotMode.ADAPTIVE
    window_days: int = 90
    eps_m: float = 2200.0
    min_samples: int = 5
    categories: tuple[str, ...] = ()
    adaptive: AdaptiveParams = field(default_factory=AdaptiveParams)

    @classmethod
    def from_dict(cls, data: dict) -> HotspotParameters:
        adaptive = AdaptiveParams(
            **{k: v for k, v in data.items() if k in AdaptiveParams.__dataclass_fields__}
        )
        own = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "adaptive"}
        if "categories" in own:
            own["categories"] = tuple(own["categories"])
        return cls(**own, adaptive=adaptive)


@dataclass
class _Cluster:
    members: np.ndarray  # row positions in the window frame
    cells: np.ndarray  # flat cells on the grid
    new_below: float


def hotspots_detect(
    *,
    run: ModelRun,
    context: AnalyticsProfile,
    frame: pd.DataFrame,
    end: pd.Timestamp,
    params: HotspotParameters,
) -> list[Hotspot]:
    """Detect the hotspots of the window ending at ``end`` (local midnight), compare each with
    the previous window, match them to the previous run's hotspots, and store them."""
    if params.categories:
        frame = frame[frame["category"].isin(params.categories)]
    start = end - pd.Timedelta(days=params.window_days)
    year = frame[
        (frame["occurred_at"] >= end - pd.Timedelta(days=365)) & (frame["occurred_at"] < end)
    ]
    projection = context.projection
    x, y = projection.forward(year["lon"].to_numpy(), year["lat"].to_numpy())
    grid = Grid.covering(x, y, params.adaptive.cell_m)
    in_window = (year["occurred_at"] >= start).to_numpy()
    before = (
        (year["occurred_at"] >= start - pd.Timedelta(days=params.window_days)) & ~in_window
    ).to_numpy()
    window = year[in_window].reset_index(drop=True)
    wx, wy = x[in_window], y[in_window]
    clusters, level = _clusters(params, grid, x, y, wx, wy)
    previous_counts = grid.counts(grid.index(x[before], y[before]))
    regions = context.regions()
    hotspots = [
        _hotspot(run, context, regions, grid, window, wx, wy, cluster, previous_counts, params)
        for cluster in clusters
    ]
    hotspots.sort(key=lambda h: -h.score)
    for rank, hotspot in enumerate(hotspots, start=1):
        hotspot.rank = rank
    _track(run, hotspots)
    with transaction.atomic():
        Hotspot.objects.bulk_create(hotspots, batch_size=500)
    run_window_save(run=run, start=start, end=end, tz=context.tz)
    flagged = sum(len(c.cells) for c in clusters)
    inhabited = int(inhabited_cells(grid, x, y).sum())
    run.metrics = {
        "mode": params.mode,
        "parameters": {**asdict(params), "adaptive": asdict(params.adaptive)},
        "window_incidents": len(window),
        "hotspots": len(hotspots),
        "window_share": round(sum(h.incident_count for h in hotspots) / max(len(window), 1), 4),
        "max_hotspot_share": round(
            max((h.incident_count for h in hotspots), default=0) / max(len(window), 1), 4
        ),
        "area_share": round(flagged / max(inhabited, 1), 4),
        "inhabited_km2": round(inhabited * grid.cell_km2, 2),
        "density_level": level,
        "metric_srid": context.metric_srid,
        "trends": pd.Series([h.trend for h in hotspots], dtype=object).value_counts().to_dict(),
    }
    return hotspots


def _clusters(params, grid, x, y, wx, wy) -> tuple[list[_Cluster], float]:
    if params.mode == HotspotMode.DBSCAN:
        labels = dbscan_binned(wx, wy, eps_m=params.eps_m, min_samples=params.min_samples)
        idx = grid.index(wx, wy)
        clusters = []
        for label in range(int(labels.max()) + 1 if len(labels) else 0):
            members = np.flatnonzero(labels == label)
            clusters.append(_Cluster(members, np.unique(idx[members]), float(params.min_samples)))
        return clusters, float(params.min_samples)
    inhabited = inhabited_cells(grid, x, y)
    window_counts = grid.counts(grid.index(wx, wy))
    year_counts = grid.counts(grid.index(x, y))
    density = hotspot_density(
        window_counts,
        year_counts,
        window_days=params.window_days,
        memory_weight=params.adaptive.memory_weight,
    )
    result = adaptive_hotspots(
        wx, wy, grid=grid, inhabited=inhabited, density=density, params=params.adaptive
    )
    clusters = [
        _Cluster(np.flatnonzero(result.labels == label), cells, result.threshold * len(cells))
        for label, cells in enumerate(result.cells)
    ]
    return clusters, round(result.threshold, 3)


def _hotspot(
    run, context, regions, grid, window, wx, wy, cluster, previous_counts, params
) -> Hotspot:
    members = window.iloc[cluster.members]
    if params.mode == HotspotMode.DBSCAN:
        outline = points_outline(wx[cluster.members], wy[cluster.members], context.projection)
        area_km2 = outline.transform(context.metric_srid, clone=True).area / 1e6
    else:
        outline = cells_outline(grid, cluster.cells, context.projection)
        area_km2 = len(cluster.cells) * grid.cell_km2
    previous = float(previous_counts[cluster.cells].sum())
    region_code = members["region"].mode().iat[0] if len(members) else None
    count = len(members)
    row, col = np.divmod(cluster.cells, grid.nx)
    abs_col, abs_row = col + round(grid.x0 / grid.cell), row + round(grid.y0 / grid.cell)
    return Hotspot(
        run=run,
        rank=0,
        geom=outline,
        centroid=centroid_wgs84(
            float(wx[cluster.members].mean()), float(wy[cluster.members].mean()), context.projection
        ),
        region=regions.get(region_code),
        incident_count=count,
        category_breakdown={str(k): int(v) for k, v in members["category"].value_counts().items()},
        score=round(float(members["severity"].sum()) / 3.0, 3),
        density=round(count / max(area_km2, 1e-9), 2),
        area_km2=round(area_km2, 4),
        first_incident_at=aware(members["occurred_at"].min().to_pydatetime(), context.tz),
        last_incident_at=aware(members["occurred_at"].max().to_pydatetime(), context.tz),
        trend=trend_label(count, previous, new_below=cluster.new_below),
        previous_count=int(previous),
        cells=sorted(int(k) for k in abs_col * CELL_KEY + abs_row),
    )


def _track(run: ModelRun, hotspots: list[Hotspot]) -> None:
    """Give each hotspot the identity of the previous run's hotspot it overlaps most."""
    previous = previous_hotspots(run=run)
    matches = match_by_overlap([set(p.cells) for p in previous], [set(h.cells) for h in hotspots])
    now = timezone.now()
    for hotspot, match in zip(hotspots, matches, strict=True):
        if match is None:
            hotspot.track, hotspot.first_seen_at, hotspot.runs_seen = uuid.uuid4(), now, 1
        else:
            before = previous[match]
            hotspot.track, hotspot.first_seen_at = before.track, before.first_seen_at
            hotspot.runs_seen = before.runs_seen + 1
