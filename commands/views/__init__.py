"""Web views of the command app: the dashboard, the field view and the map layers."""

from commands.views.maplayer import (
    POINT_LIMIT,
    MapFilterForm,
    incident_layer,
    map_daily,
    map_incidents,
    map_regions,
)
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
    "incident_layer",
    "language_set",
    "map_daily",
    "map_incidents",
    "map_regions",
]
