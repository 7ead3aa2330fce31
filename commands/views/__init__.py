"""Web views of the command app: the dashboard, the field view and the map layers."""

from commands.views.mapcompare import map_compare
from commands.views.maplayer import POINT_LIMIT, MapFilterForm, map_daily, map_incidents
from commands.views.pages import (
    dashboard,
    field_home,
    field_task,
    home,
    language_set,
)

__all__ = [
    "POINT_LIMIT",
    "MapFilterForm",
    "dashboard",
    "field_home",
    "field_task",
    "home",
    "language_set",
    "map_compare",
    "map_daily",
    "map_incidents",
]
