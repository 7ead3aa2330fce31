"""The gazetteer over REST: search (``GET places?q=Salmiya block 10``) and lean outlines for
the map (``GET places/outlines?bbox=…&kind=block``), cached until a place changes. Everyone
signed in reads (the field view orients itself too)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.serializers import PlaceSearchSerializer
from incidents.choices import PlaceKind
from incidents.gazetteer import SEARCH_LIMIT, place_outlines, place_search, place_version
from incidents.gis import bbox_parse
from khareetaty.permissions import ANY_ROLE

OUTLINES_CACHE_SECONDS = 3600
MAX_QUERY_LENGTH = 200
PROFILE = OpenApiParameter("profile", OpenApiTypes.STR, description="profile (default: all)")


def _limit(value: str | None) -> int:
    if value in (None, ""):
        return SEARCH_LIMIT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 50:
        raise ValidationError({"limit": [_("A whole number from 1 to 50.")]})
    return int(value)


def _kinds(value: str | None) -> list[str]:
    kinds = [k for k in (value or "area,block").split(",") if k]
    if not kinds or any(k not in PlaceKind.values for k in kinds):
        raise ValidationError({"kind": [_("area, block or area,block.")]})
    return sorted(set(kinds))


class PlaceViewSet(viewsets.GenericViewSet):
    """Areas and blocks of the gazetteer: search by name and block number, outlines."""

    role_access = {"list": ANY_ROLE, "outlines": ANY_ROLE}
    pagination_class = None
    filter_backends = []
    serializer_class = PlaceSearchSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="e.g. Salmiya block 10"
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 50, default 10"),
            PROFILE,
        ],
        responses=PlaceSearchSerializer,
    )
    def list(self, request: Request) -> Response:
        """Regions, areas and blocks matching ``q`` (English or Arabic name; a number picks
        the block), best first, each with its bounding box."""
        query = (request.query_params.get("q") or "").strip()
        if not query or len(query) > MAX_QUERY_LENGTH:
            raise ValidationError({"q": [_("Type a place name, 1 to 200 characters.")]})
        results = place_search(
            query=query,
            profile=request.query_params.get("profile") or None,
            limit=_limit(request.query_params.get("limit")),
        )
        return Response(PlaceSearchSerializer({"results": results}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "bbox", OpenApiTypes.STR, description="min_lon,min_lat,max_lon,max_lat"
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, description="area, block or area,block"),
            PROFILE,
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def outlines(self, request: Request) -> Response:
        """Outlines as a GeoJSON FeatureCollection (properties kind, code, name_en, name_ar,
        area_en, area_ar, source), cached until a place changes."""
        params = request.query_params
        try:
            bbox = bbox_parse(params["bbox"]) if params.get("bbox") else None
        except DjangoValidationError as exc:
            raise ValidationError({"bbox": exc.messages}) from None
        kinds = _kinds(params.get("kind"))
        profile = params.get("profile") or None
        key = f"incidents:places:{profile}:{kinds}:{bbox}:{place_version(profile=profile)}"
        body = cache.get(key)
        if body is None:
            body = place_outlines(profile=profile, bbox=bbox, kinds=kinds)
            cache.set(key, body, OUTLINES_CACHE_SECONDS)
        return Response(body)
