"""Regions (boundaries) from any vector file GDAL reads (GeoJSON, shapefile …) in any CRS:
reprojected to ``settings.SRID``, invalid geometry repaired and reported, and the profile's
regions replaced as a whole (matched by code, so incidents keep their links). Audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import Polygon
from django.db import connection, transaction

from incidents.models import Region
from incidents.reference.reports import GeometryRepair, LoadReport
from incidents.reference.vector import multipolygon_of, polygon_features_read
from khareetaty.audit.services import audit_record


@dataclass
class _ParsedRegion:
    code: str
    name_en: str
    name_ar: str
    polygons: list[Polygon]


def _read_regions(
    path: Path,
    *,
    code_field: str,
    name_field: str,
    name_ar_field: str | None,
    name_ar_by_code: Mapping[str, str],
    source_srid: int | None,
) -> tuple[list[_ParsedRegion], list[GeometryRepair], list[str], str]:
    """Read every feature (``polygon_features_read``); return the regions by code (features
    sharing a code merged), repairs, merged codes and the source CRS."""
    read = polygon_features_read(
        path,
        code_field=code_field,
        name_field=name_field,
        other_fields=[name_ar_field],
        source_srid=source_srid,
    )
    parsed: dict[str, _ParsedRegion] = {}
    features_per_code: dict[str, int] = {}
    for feature in read.features:
        code, name = feature.values[code_field], feature.values[name_field]
        name_ar = feature.values.get(name_ar_field or "", "")
        region = parsed.setdefault(
            code, _ParsedRegion(code, name, name_ar or name_ar_by_code.get(code, ""), [])
        )
        region.polygons.extend(feature.polygons)
        features_per_code[code] = features_per_code.get(code, 0) + 1
    merged = [code for code, count in features_per_code.items() if count > 1]
    return list(parsed.values()), read.repairs, merged, read.srs_name


_REASSIGN_SQL = """
UPDATE incidents_clean AS i SET region_id = (
    SELECT r.id FROM incidents_region AS r
    WHERE r.profile = %(profile)s AND r.code = ANY(%(codes)s)
    ORDER BY ST_Distance(r.geom, i.geom), r.id LIMIT 1)
FROM incidents_region AS current
WHERE current.id = i.region_id AND current.profile = %(profile)s
  AND (NOT (current.code = ANY(%(codes)s)) OR NOT ST_Covers(current.geom, i.geom))
"""


def _incidents_reassign(*, profile: str, codes: list[str]) -> int:
    """Move the profile's incidents to the region that now covers them (else the nearest)."""
    with connection.cursor() as cursor:
        cursor.execute(_REASSIGN_SQL, {"profile": profile, "codes": codes})
        return cursor.rowcount


@transaction.atomic
def regions_load(
    *,
    path: Path | str,
    profile: str,
    code_field: str,
    name_field: str,
    name_ar_field: str | None = None,
    name_ar_by_code: Mapping[str, str] | None = None,
    source_srid: int | None = None,
    actor=None,
) -> LoadReport:
    """Replace ``profile``'s regions with the features of a GeoJSON/shapefile/… at ``path``.

    Features are reprojected from the file's CRS (or ``source_srid``; 4326 if the file has
    none) to ``settings.SRID``; invalid geometry is repaired with ``make_valid`` and reported;
    several features with one code become one MultiPolygon. Regions are matched by code:
    existing ones are updated in place, missing ones removed, and incidents move to the region
    that now covers them. All or nothing: a bad feature changes nothing.
    """
    path = Path(path)
    parsed, repairs, merged, srs_name = _read_regions(
        path,
        code_field=code_field,
        name_field=name_field,
        name_ar_field=name_ar_field,
        name_ar_by_code=name_ar_by_code or {},
        source_srid=source_srid,
    )
    report = LoadReport(
        profile=profile, source=path.name, source_srs=srs_name, repaired=repairs, merged=merged
    )
    existing = {region.code: region for region in Region.objects.filter(profile=profile)}
    for item in parsed:
        region = existing.get(item.code) or Region(profile=profile, code=item.code)
        (report.updated if region.pk else report.created).append(item.code)
        region.name_en, region.geom = item.name_en, multipolygon_of(item.polygons)
        region.name_ar = item.name_ar or region.name_ar
        region.full_clean()
        region.save()
    codes = [item.code for item in parsed]
    report.reassigned_incidents = _incidents_reassign(profile=profile, codes=codes)
    removed = [code for code in existing if code not in codes]
    Region.objects.filter(profile=profile, code__in=removed).delete()
    report.removed = removed
    audit_record(
        action="regions_load",
        actor=actor,
        object_type="incidents.region",
        object_id=profile,
        summary=report.as_dict(),
    )
    return report
