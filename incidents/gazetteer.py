"""Reads of the gazetteer (areas and blocks of a profile, ``Place``): search by name and
block number ("Salmiya block 10", "السالمية قطعة 10", Arabic-Indic digits too), and lean outlines for the map.
Geometry leaves the database transformed to ``settings.API_SRID``."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON, Envelope, Transform
from django.contrib.gis.geos import Polygon
from django.db.models import Count, Max, Q, QuerySet, Sum

from incidents.choices import PlaceKind
from incidents.gis import BBox
from incidents.models import Place, Region
from incidents.selectors import COORDINATE_DECIMALS, Multi, SimplifyPreserveTopology

SEARCH_LIMIT = 10
OUTLINE_LIMIT = 3000
OUTLINE_SIMPLIFY_DEGREES = 0.00005  # about 5 m: blocks stay crisp at street zoom
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Words a person types around the place name: "go to Salmiya block 10", "منطقة السالمية قطعة 10".
_NOISE = {"go", "to", "block", "blk", "area", "the", "in", "قطعة", "ق", "منطقة", "الى", "إلى"}


def place_query_parse(query: str) -> tuple[str, str | None]:
    """The place name and the block number (the last number, if any) of a typed query."""
    text = query.translate(_DIGITS).casefold()
    numbers = re.findall(r"\d+", text)
    words = [w for w in re.split(r"[\s,،.·]+", re.sub(r"\d+", " ", text)) if w not in _NOISE]
    return " ".join(w for w in words if w), (str(int(numbers[-1])) if numbers else None)


def _name_matches(text: str) -> Q:
    return Q(name_en__icontains=text) | Q(name_ar__icontains=text)


def _box(geom) -> list[float]:
    west, south, east, north = geom.extent
    return [round(v, COORDINATE_DECIMALS) for v in (west, south, east, north)]


def _result(kind: str, row, *, area: Place | None = None, region: str = "") -> dict[str, Any]:
    return {
        "kind": kind,
        "id": row.pk,
        "code": row.code,
        "name_en": row.name_en,
        "name_ar": row.name_ar,
        "area_en": area.name_en if area else "",
        "area_ar": area.name_ar if area else "",
        "region": region,
        "bbox": _box(row.box),
    }


def _with_box(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(box=Envelope(Transform("geom", settings.API_SRID)))


def place_search(
    *, query: str, profile: str | None = None, limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """Places matching a typed query, best first, each with its bounding box (lon/lat):
    with a number, the blocks of that number in the matching areas; without, the regions
    and areas whose English or Arabic name contains the text (exact names first)."""
    text, number = place_query_parse(query)
    if not text:
        return []
    places = Place.objects.filter(profile=profile) if profile else Place.objects.all()
    areas = places.filter(_name_matches(text), kind=PlaceKind.AREA)
    if number:
        blocks = _with_box(places.filter(kind=PlaceKind.BLOCK, parent__in=areas, name_en=number))
        blocks = blocks.select_related("parent", "region").order_by("parent__name_en")[:limit]
        return [
            _result("block", b, area=b.parent, region=b.region.code if b.region else "")
            for b in blocks
        ]
    regions = Region.objects.filter(profile=profile) if profile else Region.objects.all()
    found = [
        _result("region", r, region=r.code)
        for r in _with_box(regions.filter(_name_matches(text))).order_by("code")[:limit]
    ]
    found += [
        _result("area", a, region=a.region.code if a.region else "")
        for a in _with_box(areas.select_related("region")).order_by("name_en")[:limit]
    ]
    exact = [r for r in found if text in (r["name_en"].casefold(), r["name_ar"])]
    return (exact + [r for r in found if r not in exact])[:limit]


def place_outlines(*, profile: str | None, bbox: BBox | None, kinds: list[str]) -> dict[str, Any]:
    """The outlines of ``kinds`` in ``bbox`` as a lean GeoJSON FeatureCollection
    (properties kind, code, name_en, name_ar, area_en, area_ar; at most OUTLINE_LIMIT)."""
    places = Place.objects.filter(kind__in=kinds)
    if profile:
        places = places.filter(profile=profile)
    if bbox:
        envelope = Polygon.from_bbox(bbox)
        envelope.srid = settings.SRID
        places = places.filter(geom__bboverlaps=envelope)
    simplified = Multi(SimplifyPreserveTopology("geom", OUTLINE_SIMPLIFY_DEGREES))
    rows = (
        places.annotate(
            geometry_json=AsGeoJSON(
                Transform(simplified, settings.API_SRID), precision=COORDINATE_DECIMALS
            )
        )
        .order_by("kind", "code")
        .values_list(
            "pk",
            "kind",
            "code",
            "name_en",
            "name_ar",
            "parent__name_en",
            "parent__name_ar",
            "source",
            "geometry_json",
        )[:OUTLINE_LIMIT]
    )
    features = [
        {
            "type": "Feature",
            "id": pk,
            "properties": {
                "kind": kind,
                "code": code,
                "name_en": name_en,
                "name_ar": name_ar,
                "area_en": area_en or "",
                "area_ar": area_ar or "",
                "source": source,
            },
            "geometry": json.loads(geometry),
        }
        for pk, kind, code, name_en, name_ar, area_en, area_ar, source, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def place_version(*, profile: str | None = None) -> str:
    """Changes whenever a place of ``profile`` is added, changed or removed (cache key)."""
    queryset = Place.objects.filter(profile=profile) if profile else Place.objects.all()
    state = queryset.aggregate(latest=Max("updated_at"), count=Count("id"), ids=Sum("id"))
    latest = state["latest"].isoformat() if state["latest"] else "-"
    return f"{latest}:{state['count']}:{state['ids'] or 0}"


def region_extent(*, regions: QuerySet[Region]) -> list[float] | None:
    """The bounding box (west, south, east, north in lon/lat) of ``regions``, for the map's
    default view; None when there are none."""
    box = regions.aggregate(box=Extent(Transform("geom", settings.API_SRID)))["box"]
    return [round(v, COORDINATE_DECIMALS) for v in box] if box else None
