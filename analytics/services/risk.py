"""The risk map of one run: expected incidents per 250 m cell over the next seven days."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import transaction

from analytics.core.clustering import inhabited_cells
from analytics.core.grid import Grid
from analytics.core.risk import RiskParams, risk_surface
from analytics.models import ModelRun, RiskCell
from analytics.profiles import AnalyticsProfile
from analytics.services.geometry import cell_polygon_wgs84
from analytics.services.steps import run_window_save


def risk_map_generate(
    *,
    run: ModelRun,
    context: AnalyticsProfile,
    frame: pd.DataFrame,
    end: pd.Timestamp,
    params: RiskParams | None = None,
) -> dict:
    """Score every inhabited cell (an incident in the last 365 days, inside the regions) and
    store one RiskCell per cell, ranked."""
    params = params or RiskParams()
    start = end - pd.Timedelta(days=params.long_days)
    frame = frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < end)]
    x, y = context.projection.forward(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    grid = Grid.covering(x, y, params.cell_m)
    idx = grid.index(x, y)
    score = risk_surface(
        grid,
        idx,
        frame["occurred_at"].to_numpy(dtype="datetime64[ns]"),
        origin=np.datetime64(end),
        categories=frame["category"].to_numpy(),
        params=params,
    )
    cells = np.flatnonzero(inhabited_cells(grid, x, y))
    order = cells[np.lexsort((cells, -score[cells]))]
    polygons = cell_polygon_wgs84(grid, order, context.projection)
    rows_, cols_ = np.divmod(order, grid.nx)
    col0, row0 = round(grid.x0 / grid.cell), round(grid.y0 / grid.cell)
    n = len(order)
    objects = [
        RiskCell(
            run=run,
            col=int(cols_[i]) + col0,
            row=int(rows_[i]) + row0,
            geom=polygons[i],
            score=round(float(score[order[i]]), 4),
            rank=i + 1,
            percentile=round(100.0 * (n - i) / n, 3),
        )
        for i in range(n)
    ]
    with transaction.atomic():
        RiskCell.objects.bulk_create(objects, batch_size=2000)
    run_window_save(run=run, start=start, end=end, tz=context.tz)
    return {
        "cells": n,
        "cell_m": params.cell_m,
        "expected_incidents": round(float(score[cells].sum()), 2),
        "metric_srid": context.metric_srid,
        "parameters": dict(params.__dict__),
    }
