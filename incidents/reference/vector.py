"""Reading polygon features from any vector file GDAL reads (GeoJSON, shapefile …) in any
CRS: the one reader behind every boundary load (regions, the gazetteer's areas and blocks).

Features are reprojected to ``settings.SRID``; invalid geometry is repaired with GEOS
``make_valid`` (keeping the polygonal parts) and reported; features that cannot be loaded
are named, and the whole file is refused, so a load is all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext as _

from incidents.reference.reports import GeometryRepair, ReferenceDataError

VALID = "Valid Geometry"


@dataclass
class PolygonFeature:
    """One feature of a file: its position (1-based), the text of the asked fields and its
    polygons (repaired, in ``settings.SRID``)."""

    index: int
    values: dict[str, str]
    polygons: list[Polygon]


@dataclass
class PolygonFile:
    """Every feature of a file, the repairs made, and the name of the source CRS."""

    features: list[PolygonFeature]
    repairs: list[GeometryRepair]
    srs_name: str


def polygons_of(geom: GEOSGeometry, dropped: list[str]) -> list[Polygon]:
    """The polygonal parts of ``geom``; the type of every other part is added to ``dropped``."""
    if isinstance(geom, Polygon):
        return [geom] if not geom.empty else []
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [polygon for part in geom for polygon in polygons_of(part, dropped)]
    dropped.append(geom.geom_type)
    return []


def _repair(
    geom: GEOSGeometry, *, code: str, name: str
) -> tuple[list[Polygon], GeometryRepair | None]:
    """Make ``geom`` valid (GEOS make_valid) and keep its polygons, saying what was repaired."""
    reason = geom.valid_reason
    dropped: list[str] = []
    if reason == VALID:
        return polygons_of(geom, dropped), None
    polygons = polygons_of(geom.make_valid(), dropped)
    repaired_area = MultiPolygon(*polygons, srid=geom.srid).area if polygons else 0.0
    change = (repaired_area - geom.area) / geom.area * 100 if geom.area else 0.0
    return polygons, GeometryRepair(code, name, reason, tuple(dropped), round(change, 6))


def _open_layer(path: Path, fields: Sequence[str]):
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


def _text(feature, field: str) -> str:
    value = feature.get(field)
    return "" if value is None else str(value).strip()


def polygon_features_read(
    path: Path,
    *,
    code_field: str,
    name_field: str,
    other_fields: Sequence[str | None] = (),
    source_srid: int | None = None,
) -> PolygonFile:
    """Read every feature of ``path``: code, name and ``other_fields`` as text, polygons
    reprojected and repaired. Raises ``ReferenceDataError`` naming every feature without a
    code or name or without a polygon, or when the file has none."""
    others = [name for name in other_fields if name]
    layer = _open_layer(path, [code_field, name_field, *others])
    srs = SpatialReference(source_srid) if source_srid else (layer.srs or SpatialReference(4326))
    target = SpatialReference(settings.SRID)
    features: list[PolygonFeature] = []
    repairs: list[GeometryRepair] = []
    problems: list[str] = []
    for index, feature in enumerate(layer, start=1):
        code, name = _text(feature, code_field), _text(feature, name_field)
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
        values = {field: _text(feature, field) for field in [code_field, name_field, *others]}
        features.append(PolygonFeature(index, values, polygons))
    if problems:
        raise ReferenceDataError(
            _("%s has features that cannot be loaded; nothing was changed.") % path.name,
            problems=problems,
        )
    if not features:
        raise ReferenceDataError(_("%s has no features.") % path.name)
    return PolygonFile(features, repairs, srs.name or str(srs.srid))


def multipolygon_of(polygons: list[Polygon]) -> MultiPolygon:
    """One valid MultiPolygon; parts of several features are unioned so they cannot overlap."""
    multi = MultiPolygon(*polygons, srid=settings.SRID)
    if multi.valid_reason == VALID:
        return multi
    union = multi.unary_union
    return (
        union
        if isinstance(union, MultiPolygon)
        else MultiPolygon(*polygons_of(union, []), srid=settings.SRID)
    )
