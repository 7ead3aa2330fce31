"""The gazetteer (areas and blocks of a profile) from any vector file GDAL reads, read by the
same reader as the regions (``incidents.reference.vector``). A load replaces the profile's
places of the kinds it carries as a whole, matched by code; a bad feature changes nothing.
Audited."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.contrib.gis.geos import MultiPolygon
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.choices import PlaceKind
from incidents.models import Place, Region
from incidents.reference.reports import GeometryRepair, ReferenceDataError
from incidents.reference.vector import PolygonFeature, multipolygon_of, polygon_features_read
from khareetaty.audit.services import audit_record


@dataclass(frozen=True)
class PlaceFields:
    """Which attribute of the file holds what. ``kind`` fixes the kind of every feature;
    otherwise ``kind_field`` holds ``area`` or ``block`` per feature. A block names its area
    by code in ``parent_field``; an area its region by code in ``region_field`` (else the
    region containing it)."""

    code: str
    name: str
    name_ar: str | None = None
    kind: str | None = None
    kind_field: str | None = None
    parent_field: str | None = None
    region_field: str | None = None


@dataclass
class PlaceLoadReport:
    """What ``places_load`` did, by kind."""

    profile: str
    source: str
    source_srs: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    repaired: list[GeometryRepair] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """A human summary (used by the management command)."""
        lines = [
            _("%(count)d places loaded for profile %(profile)s from %(source)s (%(srs)s)")
            % {
                "count": self.loaded,
                "profile": self.profile,
                "source": self.source,
                "srs": self.source_srs,
            }
        ]
        for kind in PlaceKind.values:
            lines.append(
                _("%(kind)s: %(created)d created, %(updated)d updated, %(removed)d removed")
                % {
                    "kind": kind,
                    "created": self.created.get(kind, 0),
                    "updated": self.updated.get(kind, 0),
                    "removed": self.removed.get(kind, 0),
                }
            )
        lines += [_("repaired invalid geometry of %s") % repair.code for repair in self.repaired]
        return lines


def _kind_of(feature: PolygonFeature, fields: PlaceFields) -> str:
    kind = fields.kind or feature.values.get(fields.kind_field or "", "").lower()
    return kind if kind in PlaceKind.values else ""


def _check(
    features: list[PolygonFeature], fields: PlaceFields, *, path: Path, profile: str
) -> None:
    """Every feature has a known kind and its own code; every block names a known area (in
    the file or already loaded). Raises ``ReferenceDataError`` naming every fault."""
    problems: list[str] = []
    codes = [f.values[fields.code] for f in features]
    areas = {f.values[fields.code] for f in features if _kind_of(f, fields) == PlaceKind.AREA}
    areas |= set(
        Place.objects.filter(profile=profile, kind=PlaceKind.AREA).values_list("code", flat=True)
    )
    for feature in features:
        label = _("feature %(index)d (%(code)s)") % {
            "index": feature.index,
            "code": feature.values[fields.code],
        }
        kind = _kind_of(feature, fields)
        parent = feature.values.get(fields.parent_field or "", "")
        if not kind:
            problems.append(_("%s: kind is not area or block") % label)
        elif kind == PlaceKind.BLOCK and parent not in areas:
            problems.append(
                _("%(label)s: no area with code '%(parent)s'") % {"label": label, "parent": parent}
            )
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    problems += [_("code %s is used by several features") % code for code in duplicates]
    if problems:
        raise ReferenceDataError(
            _("%s has features that cannot be loaded; nothing was changed.") % path.name,
            problems=problems,
        )


def _region_of(geom: MultiPolygon, code: str, regions: dict[str, Region]) -> Region | None:
    """The region named by ``code``, else the one containing a point of the outline."""
    if code in regions:
        return regions[code]
    inside = geom.point_on_surface
    return next((r for r in regions.values() if r.geom.contains(inside)), None)


def _save(
    feature: PolygonFeature,
    *,
    fields: PlaceFields,
    profile: str,
    source: str,
    existing: dict[str, Place],
    regions: dict[str, Region],
    report: PlaceLoadReport,
) -> Place:
    values = feature.values
    kind = _kind_of(feature, fields)
    place = existing.get(values[fields.code]) or Place(profile=profile, code=values[fields.code])
    counter = report.updated if place.pk else report.created
    counter[kind] = counter.get(kind, 0) + 1
    place.kind, place.name_en, place.source = kind, values[fields.name], source
    place.name_ar = values.get(fields.name_ar or "", "") or place.name_ar
    place.geom = multipolygon_of(feature.polygons)
    if kind == PlaceKind.BLOCK:
        place.parent = existing[values[fields.parent_field]]
        place.region = place.parent.region
    else:
        place.parent = None
        place.region = _region_of(place.geom, values.get(fields.region_field or "", ""), regions)
    place.full_clean(exclude=["parent", "region"])
    place.save()
    existing[place.code] = place
    return place


@transaction.atomic
def places_load(
    *,
    path: Path | str,
    profile: str,
    fields: PlaceFields,
    source: str = "",
    source_srid: int | None = None,
    actor=None,
) -> PlaceLoadReport:
    """Replace ``profile``'s gazetteer places of the kinds in the file at ``path`` (GeoJSON,
    shapefile …, any CRS) with its features: areas first, then their blocks. Places are
    matched by code (updated in place); places of those kinds missing from the file are
    removed. ``source`` labels the outlines on the map (default: the file name)."""
    path = Path(path)
    read = polygon_features_read(
        path,
        code_field=fields.code,
        name_field=fields.name,
        other_fields=[fields.name_ar, fields.kind_field, fields.parent_field, fields.region_field],
        source_srid=source_srid,
    )
    _check(read.features, fields, path=path, profile=profile)
    report = PlaceLoadReport(
        profile=profile, source=path.name, source_srs=read.srs_name, repaired=read.repairs
    )
    existing = {place.code: place for place in Place.objects.filter(profile=profile)}
    regions = {region.code: region for region in Region.objects.filter(profile=profile)}
    ordered = sorted(read.features, key=lambda f: _kind_of(f, fields) != PlaceKind.AREA)
    for feature in ordered:
        _save(
            feature,
            fields=fields,
            profile=profile,
            source=source or path.name,
            existing=existing,
            regions=regions,
            report=report,
        )
    kinds = {_kind_of(feature, fields) for feature in read.features}
    loaded = [feature.values[fields.code] for feature in read.features]
    stale = Place.objects.filter(profile=profile, kind__in=kinds).exclude(code__in=loaded)
    for kind in kinds:
        report.removed[kind] = stale.filter(kind=kind).count()
    stale.delete()
    audit_record(
        action="places_load",
        actor=actor,
        object_type="incidents.place",
        object_id=profile,
        summary=report.as_dict(),
    )
    return report
