"""Reference data: regions (boundaries) and categories, loaded from files.

Regions come from any vector file GDAL reads (GeoJSON, shapefile …) in any CRS; they are
reprojected to ``settings.SRID``, invalid geometry is repaired and reported, and the profile's
regions are replaced as a whole (matched by code, so incidents keep their links). Categories
come from a YAML list. Every load is audited.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from incidents.models import Category, Region
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_REGIONS_FILE = DATA_DIR / "kuwait_regions.yaml"
DEFAULT_CATEGORIES_FILE = DATA_DIR / "kuwait_categories.yaml"
VALID = "Valid Geometry"


class ReferenceDataError(ApplicationError):
    """A reference file cannot be loaded; ``problems`` names every feature or entry at fault."""

    code = "reference_data_invalid"

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message, extra={"problems": problems or []})
        self.problems = problems or []

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {problem}" for problem in self.problems)])


@dataclass(frozen=True)
class GeometryRepair:
    """One invalid boundary that was repaired: why GEOS rejected it and what was dropped."""

    code: str
    name: str
    reason: str
    dropped: tuple[str, ...] = ()
    area_change_pct: float = 0.0


@dataclass
class LoadReport:
    """What ``regions_load`` did."""

    profile: str
    source: str
    source_srs: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[GeometryRepair] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    reassigned_incidents: int = 0

    @property
    def loaded(self) -> int:
        return len(self.created) + len(self.updated)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """A human summary, one line per fact (used by the management commands)."""
        lines = [
            _("%(count)d regions loaded for profile %(profile)s from %(source)s (%(srs)s)")
            % {
                "count": self.loaded,
                "profile": self.profile,
                "source": self.source,
                "srs": self.source_srs,
            },
            _("created: %s") % (", ".join(self.created) or "-"),
            _("updated: %s") % (", ".join(self.updated) or "-"),
            _("removed: %s") % (", ".join(self.removed) or "-"),
        ]
        lines += [_("merged several features into %s") % code for code in self.merged]
        for repair in self.repaired:
            dropped = ", ".join(repair.dropped) or _("nothing")
            lines.append(
                _(
                    "repaired invalid geometry of %(code)s (%(name)s): %(reason)s; dropped %(dropped)s; area change %(pct).4f%%"
                )
                % {
                    "code": repair.code,
                    "name": repair.name,
                    "reason": repair.reason,
                    "dropped": dropped,
                    "pct": repair.area_change_pct if abs(repair.area_change_pct) >= 5e-5 else 0.0,
                }
            )
        if self.reassigned_incidents:
            lines.append(_("%d incidents moved to their new region") % self.reassigned_incidents)
        return lines


@dataclass
class CategoryLoadReport:
    """What ``categories_load`` did, by category code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DefaultsReport:
    """What ``reference_data_load_defaults`` did; ``regions`` is None when they were kept."""

    regions: LoadReport | None
    categories: CategoryLoadReport


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


def _read_categories(path: Path) -> list[dict]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(
            _("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc}
        ) from exc
    entries = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(_("%s must hold a non-empty 'categories' list.") % path.name)
    return entries


def _category_from_entry(
    index: int, entry, existing: dict[str, Category]
) -> tuple[Category, list[str]]:
    if not isinstance(entry, dict):
        return Category(), [_("entry %d is not a mapping") % index]
    known = {"code", "name_en", "name_ar", "default_severity"}
    unknown = sorted(set(entry) - known)
    category = existing.get(str(entry.get("code", ""))) or Category(code=str(entry.get("code", "")))
    for name in known - {"code"}:
        if name in entry:
            setattr(category, name, entry[name])
    problems = [
        _("entry %(index)d: unknown key %(key)s") % {"index": index, "key": key} for key in unknown
    ]
    try:
        category.full_clean(validate_unique=False)
    except ValidationError as exc:
        problems += [
            _("entry %(index)d (%(code)s): %(field)s: %(message)s")
            % {
                "index": index,
                "code": category.code or "?",
                "field": name,
                "message": " ".join(messages),
            }
            for name, messages in exc.message_dict.items()
        ]
    return category, problems


@transaction.atomic
def categories_load(
    *, path: Path | str, update_existing: bool = True, actor=None
) -> CategoryLoadReport:
    """Create or update the categories listed in a YAML file (``categories: [{code, name_en,
    name_ar, default_severity}]``). Categories not in the file are kept (incidents use them).
    With ``update_existing=False`` existing categories are left exactly as they are (so an
    admin's edits survive re-running the defaults). All or nothing."""
    path = Path(path)
    existing = {category.code: category for category in Category.objects.all()}
    originals = {code: (c.name_en, c.name_ar, c.default_severity) for code, c in existing.items()}
    report, problems, valid = CategoryLoadReport(), [], []
    for index, entry in enumerate(_read_categories(path), start=1):
        category, entry_problems = _category_from_entry(index, entry, existing)
        problems += entry_problems
        valid.append(category)
    codes = [category.code for category in valid]
    problems += [
        _("code %s is listed twice") % code
        for code in sorted({c for c in codes if codes.count(c) > 1})
    ]
    if problems:
        raise ReferenceDataError(
            _("%s has invalid categories; nothing was changed.") % path.name, problems=problems
        )
    for category in valid:
        if category.pk is None:
            category.save()
            report.created.append(category.code)
        elif update_existing and originals[category.code] != (
            category.name_en,
            category.name_ar,
            category.default_severity,
        ):
            category.save()
            report.updated.append(category.code)
        else:
            report.unchanged.append(category.code)
    if report.created or report.updated:
        audit_record(
            action="categories_load",
            actor=actor,
            object_type="incidents.category",
            summary=report.as_dict(),
        )
    return report


def _defaults_config(path: Path = DEFAULT_REGIONS_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reference_data_load_defaults(*, actor=None) -> DefaultsReport:
    """Load the shipped Kuwait regions and categories. Idempotent and cheap when loaded:
    regions are loaded only if the profile has none (official boundaries loaded with
    ``load_regions`` are never overwritten), categories only created when missing."""
    config = _defaults_config()
    regions_report = None
    if not Region.objects.filter(profile=config["profile"]).exists():
        regions_report = regions_load(
            path=DATA_DIR / config["boundaries"],
            profile=config["profile"],
            code_field=config["code_field"],
            name_field=config["name_field"],
            name_ar_by_code={item["code"]: item["name_ar"] for item in config["regions"]},
            actor=actor,
        )
    categories_report = categories_load(
        path=DEFAULT_CATEGORIES_FILE, update_existing=False, actor=actor
    )
    return DefaultsReport(regions=regions_report, categories=categories_report)
