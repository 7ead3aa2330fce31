"""PostGIS helpers shared by every app: point coordinates computed in SQL and the one
parser of the ``bbox`` parameter (the API filter and the dashboard's map layers)."""

import math

from django.core.exceptions import ValidationError
from django.db.models import FloatField, Func
from django.utils.translation import gettext_lazy as _

BBox = tuple[float, float, float, float]
WORLD: BBox = (-180.0, -90.0, 180.0, 90.0)


class PointX(Func):
    """PostGIS ``ST_X(point)``: the longitude (or easting) of a point, as a float."""

    function = "ST_X"
    output_field = FloatField()


class PointY(Func):
    """PostGIS ``ST_Y(point)``: the latitude (or northing) of a point, as a float."""

    function = "ST_Y"
    output_field = FloatField()


def bbox_parse(value: str) -> BBox:
    """``min_lon,min_lat,max_lon,max_lat`` in degrees → four finite numbers clamped to the
    world (a wider box asks for nothing more), min < max; ``ValidationError`` otherwise."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 4 and all(map(math.isfinite, numbers)):
        west, south = max(numbers[0], WORLD[0]), max(numbers[1], WORLD[1])
        east, north = min(numbers[2], WORLD[2]), min(numbers[3], WORLD[3])
        if west < east and south < north:
            return west, south, east, north
    raise ValidationError(
        _("bbox must be four finite numbers min_lon,min_lat,max_lon,max_lat with min < max."),
        code="invalid_bbox",
    )
