"""Incident exports: exactly the rows a filter shows, as CSV or GeoJSON, streamed.

``incident_export`` counts the rows first (the count goes out in the ``X-Row-Count``
header, before the body), refuses more than ``settings.INCIDENT_EXPORT_MAX_ROWS``, writes one
audit entry (who, the filters, the format, the count), and returns the chunks to stream.
The rows are read with a server-side cursor (``iterator(chunk_size=…)``), so memory stays
flat whatever the count.

The count and the body agree: the body is read with the same filters and capped at the
largest incident id that existed when it was counted, so rows ingested while the file
streams are left out. (A row edited or deleted in those seconds could still make them
differ; the count is what was counted.)
"""

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from incidents.gis import PointX, PointY
from incidents.models import Incident
from incidents.profiles import served_profile
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

FORMATS = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
CHUNK_ROWS = 2000
COORDINATE_DECIMALS = 6
# (column, queryset value): one CSV column and one GeoJSON property each (not lon/lat).
COLUMNS = (
    ("id", "id"),
    ("source", "source"),
    ("external_id", "external_id"),
    ("occurred_at", "occurred_at"),
    ("category", "category__code"),
    ("category_name_en", "category__name_en"),
    ("category_name_ar", "category__name_ar"),
    ("region", "region__code"),
    ("region_name_en", "region__name_en"),
    ("region_name_ar", "region__name_ar"),
    ("area", "area"),
    ("block", "block"),
    ("severity", "severity"),
    ("status", "status"),
    ("channel", "channel"),
    ("description", "description"),
    ("lon", "export_lon"),
    ("lat", "export_lat"),
)


class ExportTooLarge(ApplicationError):
    code = "export_too_large"


@dataclass(frozen=True)
class IncidentExport:
    count: int
    content_type: str
    filename: str
    chunks: Iterator[str]


def export_rows(queryset: QuerySet[Incident]) -> Iterator[tuple]:
    """The rows of ``queryset`` as ``COLUMNS`` tuples, newest first, a chunk at a time."""
    point = Transform("geom", settings.API_SRID)
    rows = (
        queryset.annotate(export_lon=PointX(point), export_lat=PointY(point))
        .order_by("-occurred_at", "-id")
        .values_list(*(value for _, value in COLUMNS))
    )
    return rows.iterator(chunk_size=CHUNK_ROWS)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cells(row: tuple, zone: ZoneInfo) -> list:
    cells = list(row)
    cells[3] = cells[3].astimezone(zone).isoformat()
    cells[-2:] = [round(v, COORDINATE_DECIMALS) for v in cells[-2:]]
    return cells


def csv_chunks(rows: Iterator[tuple], zone: ZoneInfo) -> Iterator[str]:
    """A BOM (spreadsheets then read Arabic right), the header, one line per row."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([name for name, _ in COLUMNS])
    for row in rows:
        yield writer.writerow(_cells(row, zone))


def geojson_chunks(rows: Iterator[tuple], zone: ZoneInfo) -> Iterator[str]:
    """A FeatureCollection, one Point Feature per row, written as it is read."""
    names = [name for name, _ in COLUMNS[:-2]]
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for row in rows:
        cells = _cells(row, zone)
        feature = {
            "type": "Feature",
            "id": cells[0],
            "geometry": {"type": "Point", "coordinates": cells[-2:]},
            "properties": dict(zip(names, cells[:-2], strict=True)),
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ","
    yield "]}\n"


def incident_export(
    *, queryset: QuerySet[Incident], file_format: str, filters: dict, actor
) -> IncidentExport:
    """Count ``queryset`` (filtered), refuse more than the limit, audit, and return the
    chunks of the file; ``filters`` are the request's filter parameters (for the audit)."""
    ceiling = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queryset = queryset.filter(pk__lte=ceiling)
    count = queryset.count()
    limit = settings.INCIDENT_EXPORT_MAX_ROWS
    if count > limit:
        raise ExportTooLarge(
            _("%(count)s incidents match; an export holds at most %(limit)s. Narrow the filters.")
            % {"count": count, "limit": limit}
        )
    audit_record(
        action="export",
        actor=actor,
        object_type="incidents.incident",
        summary={"format": file_format, "filters": filters, "count": count},
    )
    zone = ZoneInfo(served_profile()[1])
    write = csv_chunks if file_format == "csv" else geojson_chunks
    stamp = dt.datetime.now(zone).strftime("%Y%m%d-%H%M")
    return IncidentExport(
        count=count,
        content_type=FORMATS[file_format],
        filename=f"incidents-{stamp}.{file_format}",
        chunks=write(export_rows(queryset), zone),
    )
