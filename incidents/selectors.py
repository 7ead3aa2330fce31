"""Reads of incidents, regions and categories, shared by the API, pages and tasks.

Geometry leaves the database already transformed to ``settings.API_SRID`` and encoded as
GeoJSON (``geometry_json``), so no row is converted in Python.
"""

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON, GeomOutputGeoFunc, Transform
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, QuerySet, Sum
from django.utils.translation import gettext as _

from incidents.filters import IncidentFilterSet
from incidents.gis import PointX, PointY
from incidents.models import Category, Incident, IngestBatch, Region, RejectedRow

COORDINATE_DECIMALS = 6  # about 0.1 m
DEFAULT_SIMPLIFY_DEGREES = 0.0005  # about 50 m: plenty for governorate outlines on a map


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    """PostGIS ``ST_SimplifyPreserveTopology(geom, tolerance)``: never yields invalid rings."""

    function = "ST_SimplifyPreserveTopology"
    geom_param_pos = (0,)


class Multi(GeomOutputGeoFunc):
    """PostGIS ``ST_Multi``: keeps outlines MultiPolygons after simplification."""

    function = "ST_Multi"


def incident_list(*, filters: dict | None = None) -> QuerySet[Incident]:
    """Incidents newest first, with category and region joined and GeoJSON geometry; ``filters``
    are ``IncidentFilterSet`` parameters (bbox, occurred_after, category …)."""
    queryset = (
        Incident.objects.select_related("category", "region")
        .annotate(
            geometry_json=AsGeoJSON(
                Transform("geom", settings.API_SRID), precision=COORDINATE_DECIMALS
            )
        )
        .order_by("-occurred_at", "-id")
    )
    if filters is None:
        return queryset
    filterset = IncidentFilterSet(filters, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


# The list view's sort keys (``ordering=key`` or ``-key``) → model fields; ties by id.
TABLE_ORDERINGS = {
    "occurred_at": "occurred_at",
    "severity": "severity",
    "category": "category__code",
    "region": "region__code",
    "area": "area",
    "id": "id",
}


def incident_table(
    *, queryset: QuerySet[Incident], ordering: str = "-occurred_at"
) -> QuerySet[Incident]:
    """Filtered incidents for the dashboard's list: lean rows with lon/lat (for panning to
    one), sorted by a ``TABLE_ORDERINGS`` key (``-`` for descending), ties newest id first.
    ``ValidationError`` for an unknown key."""
    key = ordering.removeprefix("-")
    if key not in TABLE_ORDERINGS:
        choices = ", ".join(TABLE_ORDERINGS)
        raise ValidationError({"ordering": [_("One of %(keys)s, or -key.") % {"keys": choices}]})
    field = TABLE_ORDERINGS[key]
    descending = ordering.startswith("-")
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    point = Transform("geom", settings.API_SRID)
    return (
        queryset.select_related("category", "region")
        .only(
            *("id", "occurred_at", "area", "block", "severity", "status", "description"),
            *("external_id", "category__code", "category__name_en", "category__name_ar"),
            *("region__code", "region__name_en", "region__name_ar"),
        )
        .annotate(lon=PointX(point), lat=PointY(point))
        .order_by(order, "-id" if descending else "id")
    )


def incident_get(*, pk: int) -> Incident:
    """One incident (as listed), or ``Incident.DoesNotExist``."""
    return incident_list().get(pk=pk)


def incident_trace(*, incident_id: int) -> Incident:
    """An incident with its raw record, batch and batch creator, fetched in one query."""
    return Incident.objects.select_related("category", "region", "raw__batch__created_by").get(
        pk=incident_id
    )


def region_list(
    *, profile: str | None = None, simplify: float = DEFAULT_SIMPLIFY_DEGREES
) -> QuerySet[Region]:
    """Regions with simplified GeoJSON outlines (``geometry_json``); ``simplify`` in degrees,
    0 for the full boundary."""
    geometry = "geom" if simplify <= 0 else Multi(SimplifyPreserveTopology("geom", simplify))
    queryset = Region.objects.annotate(
        geometry_json=AsGeoJSON(
            Transform(geometry, settings.API_SRID), precision=COORDINATE_DECIMALS
        )
    ).order_by("profile", "code")
    return queryset.filter(profile=profile) if profile else queryset


def region_version(*, profile: str | None = None) -> str:
    """Changes whenever a region of ``profile`` is added, changed or removed (cache key)."""
    queryset = Region.objects.filter(profile=profile) if profile else Region.objects.all()
    state = queryset.aggregate(latest=Max("updated_at"), count=Count("id"), ids=Sum("id"))
    latest = state["latest"].isoformat() if state["latest"] else "-"
    return f"{latest}:{state['count']}:{state['ids'] or 0}"


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("code")


def ingest_batch_list() -> QuerySet[IngestBatch]:
    """Ingest batches newest first, with their creator joined."""
    return IngestBatch.objects.select_related("created_by").order_by("-id")


def rejected_row_list(*, batch: IngestBatch) -> QuerySet[RejectedRow]:
    """The rows ``batch`` rejected, in file order."""
    return RejectedRow.objects.filter(batch=batch).order_by("row_number")
