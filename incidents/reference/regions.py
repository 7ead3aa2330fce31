"""Regions (boundaries) from any vector file GDAL reads (GeoJSON, shapefile …) in any CRS:
reprojected to ``settings.SRID``, invalid geometry repaired and reported, and the profile's
regions replaced as a whole (matched by code, so incidents keep their links). Audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction
from django.utils.translation import gettext as _

from incidents.models import Region
from incidents.reference.reports import GeometryRepair, LoadReport, ReferenceDataError
from khareetaty.audit.services import audit_record

VALID = "Valid Geometry"


@dataclass
class _ParsedRegion:
    code: str
    name_en: str
    name_ar: str
    polygons: list[Polygon]


def _polygons(geom: GEOSGeometry, dropped: list[str]) -> list[Polygon]:
    """The polygonal parts of ``geom``; the type of every other part is added to ``dropped``."""
    if isinstance(geom, Polygon):
        return [geom] if not geom.empty else []
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [polygon for part in geom for polygon in _polygons(part, dropped)]
    dropped.append(geom.geom_type)
    return []


def _repair(
    geom: GEOSGeometry, *, code: str, name: str
) -> tuple[list[Polygon], GeometryRepair | None]:
    """Make ``geom`` valid (GEOS make_valid) and keep its polygons, saying what was repaired."""
    reason = geom.valid_reason
    dropped: list[str] = []
    if reason == VALID:
        return _polygons(geom, dropped), None
    polygons = _polygons(geom.make_valid(), dropped)
    repaired_area = MultiPolygon(*polygons, srid=geom.srid).area if polygons else 0.0
    change = (repaired_area - geom.area) / geom.area * 100 if geom.area else 0.0
    return polygons, GeometryRepair(code, name, reason, tuple(dropped), round(change, 6))


def _open_layer(path: Path, fields: list[str]):
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise ReferenceDataError(
            _("Cannot read %(path)s as a vector file: %(error)s")
            % {"path": path.name, "error": exc}
        ) from exc
    layer = source[0]  # the layer keeps its data source open
    missing = [name for name in fields if name not in layer.fields]
    if missing:
        raise ReferenceDataError(
            _("%(path)s has no field %(missing)s; its fields are: %(fields)s")
            % {"path": path.name, "missing": ", ".join(missing), "fields": ", ".join(layer.fields)}
        )
    return layer


def _read_regions(
    path: Path,
    *,
    code_field: str,
    name_field: str,
    name_ar_field: str | None,
    name_ar_by_code: Mapping[str, str],
    source_srid: int | None,
) -> tuple[list[_ParsedRegion], list[GeometryRepair], list[str], str]:
    """Read every feature, reproject, repair; return the regions by code, repairs, merges, CRS."""
    layer = _open_layer(path, [f for f in (code_field, name_field, name_ar_field) if f])
    srs = SpatialReference(source_srid) if source_srid else (layer.srs or SpatialReference(4326))
    target = SpatialReference(settings.SRID)
    parsed: dict[str, _ParsedRegion] = {}
    repairs: list[GeometryRepair] = []
    problems: list[str] = []
    features_per_code: dict[str, int] = {}
    for index, feature in enumerate(layer, start=1):
        code = str(feature.get(code_field) or "").strip()
        name = str(feature.get(name_field) or "").strip()
        label = _("feature %(index)d (%(code)s)") % {"index": index, "code": code or "?"}
        if not code or not name:
            problems.append(_("%s: empty code or name") % label)
            continue
        geom = _feature_geometry(feature, srs, target)
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            kind = geom.geom_type if geom is not None else _("empty")
            problems.append(
                _("%(label)s: geometry is %(type)s, not a polygon") % {"label": label, "type": kind}
            )
            continue
        polygons, repair = _repair(geom, code=code, name=name)
        if repair:
            repairs.append(repair)
        if not polygons:
            problems.append(_("%s: no polygon left after repair") % label)
            continue
        name_ar = str(feature.get(name_ar_field) or "").strip() if name_ar_field else ""
        region = parsed.setdefault(
            code, _ParsedRegion(code, name, name_ar or name_ar_by_code.get(code, ""), [])
        )
        region.polygons.extend(polygons)
        features_per_code[code] = features_per_code.get(code, 0) + 1
    if problems:
        raise ReferenceDataError(
            _("%s has features that cannot be loaded; nothing was changed.") % path.name,
            problems=problems,
        )
    if not parsed:
        raise ReferenceDataError(_("%s has no features.") % path.name)
    merged = [code for code, count in features_per_code.items() if count > 1]
    return list(parsed.values()), repairs, merged, srs.name or str(srs.srid)


def _feature_geometry(
    feature, srs: SpatialReference, target: SpatialReference
) -> GEOSGeometry | None:
    """The feature's geometry in 2D, reprojected from ``srs`` to ``target`` (by GDAL)."""
    ogr = feature.geom
    if ogr is None or ogr.empty:
        return None
    ogr.set_3d(False)
    ogr.set_measured(False)
    ogr.srs = srs
    if srs.srid != target.srid:
        ogr.transform(target)
    return GEOSGeometry(memoryview(ogr.wkb), srid=target.srid)


def _multipolygon(polygons: list[Polygon]) -> MultiPolygon:
    """One valid MultiPolygon; parts of several features are unioned so they cannot overlap."""
    multi = MultiPolygon(*polygons, srid=settings.SRID)
    if multi.valid_reason == VALID:
        return multi
    union = multi.unary_union
    return (
        union
        if isinstance(union, MultiPolygon)
        else MultiPolygon(*_polygons(union, []), srid=settings.SRID)
    )


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
        region.name_en, region.geom = item.name_en, _multipolygon(item.polygons)
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
