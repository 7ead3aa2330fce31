"""The dashboard's "compare with the previous period": incidents of a time window against
the window of the same length just before it, as counts (the whole filter) and as a change
map (grid cells over the view, both counts per cell, in one query)."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Floor

from commands.selectors.maplayer import (
    _bounded_cell,
    _cell_degrees,
    _within_bbox,
    map_filter_queryset,
)
from incidents.gis import PointX, PointY

CHANGE_CELL_PX = 48


def _window(data: dict[str, Any], since: datetime, until: datetime) -> dict[str, Any]:
    return {**data, "since": since, "until": until, "period": "all"}


def incident_compare(*, data: dict[str, Any]) -> dict[str, Any]:
    """Cleaned ``MapFilterForm`` data with ``since`` and ``until`` → the counts of that window
    and of the previous one (``until - since`` earlier), and change cells over ``bbox``:
    ``[gx, gy, current, previous]`` with ``cell`` their size in degrees."""
    since, until = data["since"], data["until"]
    before = since - (until - since)
    current = map_filter_queryset(data=_window(data, since, until))
    previous = map_filter_queryset(data=_window(data, before, since))
    both = _within_bbox(map_filter_queryset(data=_window(data, before, until)), data.get("bbox"))
    size = _bounded_cell(_cell_degrees(data["zoom"], CHANGE_CELL_PX), data.get("bbox"))
    cells = (
        both.annotate(gx=Floor(PointX("geom") / size), gy=Floor(PointY("geom") / size))
        .values("gx", "gy")
        .annotate(
            now=Count("pk", filter=Q(occurred_at__gte=since)),
            before=Count("pk", filter=Q(occurred_at__lt=since)),
        )
        .order_by()
    )
    return {
        "current": {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "total": current.count(),
        },
        "previous": {
            "since": before.isoformat(),
            "until": since.isoformat(),
            "total": previous.count(),
        },
        "cell": size,
        "cells": [[int(c["gx"]), int(c["gy"]), c["now"], c["before"]] for c in cells],
    }
