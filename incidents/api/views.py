"""Incidents, regions and categories over REST, as GeoJSON where there is geometry.

Reads use selectors; every write goes through a service (validated with the ingest rules,
audited). Everyone signed in reads; analysts and superadmins write.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.serializers import (
    CategorySerializer,
    IncidentCreateSerializer,
    IncidentRowSerializer,
    IncidentSerializer,
    IncidentTableQuerySerializer,
    IncidentTraceSerializer,
    IncidentUpdateSerializer,
    RegionSerializer,
    incident_feature_columns,
    incident_features,
)
from incidents.exports import incident_export
from incidents.filters import IncidentFilterSet, instant_parse
from incidents.models import Incident
from incidents.selectors import (
    DEFAULT_SIMPLIFY_DEGREES,
    category_list,
    incident_get,
    incident_list,
    incident_table,
    incident_trace,
    region_list,
    region_version,
)
from incidents.services import incident_create, incident_delete, incident_update
from khareetaty.permissions import ANALYSTS, ANY_ROLE, READ_STAFF_WRITE_ANALYSTS, STAFF

REGIONS_CACHE_SECONDS = 24 * 3600


class IncidentCursorPagination(CursorPagination):
    """Stable pages over millions of rows (keyset on occurred_at), as a FeatureCollection."""

    ordering = ("-occurred_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def decode_cursor(self, request):
        """A cursor's position is an incident's time: a forged one the database cannot
        compare with answers 400, not 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                instant_parse(cursor.position)
            except DjangoValidationError as exc:
                raise ValidationError({"cursor": exc.messages}) from None
        return cursor

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "type": "FeatureCollection",
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": data["features"],
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        """A FeatureCollection page: ``schema`` is the list's (a FeatureCollection
        component); each feature is its item component."""
        body = super().get_paginated_response_schema(schema)
        del body["properties"]["results"]
        feature = {"$ref": schema["$ref"].removesuffix("List")} if "$ref" in schema else {}
        body["properties"]["features"] = {"type": "array", "items": feature}
        body["properties"]["type"] = {"type": "string", "enum": ["FeatureCollection"]}
        body["required"] = ["type", "features"]
        return body


class IncidentTablePagination(PageNumberPagination):
    """The dashboard list's pages: numbered (``page``), 25 rows unless ``page_size``."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _export_schema(media_type: str) -> dict:
    """OpenAPI for an export action: the file, its row count header, 400 when too large."""
    return {
        "responses": {
            (200, media_type): OpenApiResponse(
                OpenApiTypes.STR,
                description="The file; header X-Row-Count: its rows, counted before it streams.",
            ),
            400: OpenApiResponse(description="Bad filters, or more rows than the limit."),
        },
        "filters": True,
    }


def _record(data) -> dict:
    """The request body as a plain dict (JSON object or form fields)."""
    if isinstance(data, dict) and not hasattr(data, "dict"):
        return data
    if hasattr(data, "dict"):
        return data.dict()
    raise ValidationError({"detail": _("Send one JSON object.")})


class IncidentViewSet(viewsets.ModelViewSet):
    """Incidents as GeoJSON Features, newest first, cursor-paginated and filtered
    (see ``IncidentFilterSet``). ``PUT`` and ``PATCH`` both change only the fields sent."""

    # Exports hand out incident records in bulk (descriptions may name people): analysts
    # and superadmins, who also write incidents; viewers read them on screen only.
    role_access = {
        **READ_STAFF_WRITE_ANALYSTS,
        "trace": STAFF,
        "table": STAFF,
        "export_csv": ANALYSTS,
        "export_geojson": ANALYSTS,
    }
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    pagination_class = IncidentCursorPagination
    lookup_value_regex = r"\d+"  # leaves /incidents/batches to the batch API
    # The ``trace`` action shares its name with the HTTP TRACE handler: TRACE is refused
    # (405) rather than dispatched to it.
    http_method_names = [m for m in viewsets.ModelViewSet.http_method_names if m != "trace"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        if request.method.lower() not in self.http_method_names:
            raise MethodNotAllowed(request.method)  # before the role check: 405 for everyone
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        if self.action in ("table", "export_csv", "export_geojson"):
            return Incident.objects.all()  # their selectors choose the columns
        return incident_list()

    def get_serializer_class(self):
        return {
            "create": IncidentCreateSerializer,
            "update": IncidentUpdateSerializer,
            "partial_update": IncidentUpdateSerializer,
            "trace": IncidentTraceSerializer,
            "table": IncidentRowSerializer,
        }.get(self.action, IncidentSerializer)

    def list(self, request: Request, *args, **kwargs) -> Response:
        """The filtered page as Features, rendered from ``values()`` rows (the same body as
        ``IncidentSerializer``, several times cheaper)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*incident_feature_columns()))
        return self.get_paginated_response({"features": incident_features(page)})

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        record = _record(request.data)
        IncidentCreateSerializer(data=record).is_valid(raise_exception=True)
        incident = incident_create(record=record, actor=request.user)
        body = IncidentSerializer(incident_get(pk=incident.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        data = _record(request.data)
        IncidentUpdateSerializer(data=data, partial=True).is_valid(raise_exception=True)
        incident = incident_update(incident=self.get_object(), data=data, actor=request.user)
        return Response(IncidentSerializer(incident_get(pk=incident.pk)).data)

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        incident_delete(incident=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"])
    def trace(self, request: Request, pk: str) -> Response:
        """The incident's raw record, row number, batch and file, in one call."""
        self.get_object()  # 404 as for retrieve
        return Response(IncidentTraceSerializer(incident_trace(incident_id=int(pk))).data)

    @extend_schema(
        parameters=[IncidentTableQuerySerializer],
        responses=IncidentRowSerializer(many=True),
        filters=True,
    )
    @action(detail=False, methods=["get"], pagination_class=IncidentTablePagination)
    def table(self, request: Request) -> Response:
        """The dashboard's incident list: the same filters, numbered pages, sortable."""
        query = IncidentTableQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = incident_table(
            queryset=self.filter_queryset(self.get_queryset()),
            ordering=query.validated_data["ordering"],
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(IncidentRowSerializer(page, many=True).data)

    def _export(self, request: Request, file_format: str) -> StreamingHttpResponse:
        export = incident_export(
            queryset=self.filter_queryset(self.get_queryset()),
            file_format=file_format,
            filters={key: request.query_params.getlist(key) for key in request.query_params},
            actor=request.user,
        )
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["X-Row-Count"] = str(export.count)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(**_export_schema("text/csv"))
    @action(detail=False, methods=["get"], url_path="export.csv", url_name="export-csv")
    def export_csv(self, request: Request) -> StreamingHttpResponse:
        """Every incident the filters show, as CSV (UTF-8 with BOM), streamed; the row
        count in ``X-Row-Count``; at most ``INCIDENT_EXPORT_MAX_ROWS``; audited."""
        return self._export(request, "csv")

    @extend_schema(**_export_schema("application/geo+json"))
    @action(detail=False, methods=["get"], url_path="export.geojson", url_name="export-geojson")
    def export_geojson(self, request: Request) -> StreamingHttpResponse:
        """Every incident the filters show, as a GeoJSON FeatureCollection, streamed; the
        row count in ``X-Row-Count``; at most ``INCIDENT_EXPORT_MAX_ROWS``; audited."""
        return self._export(request, "geojson")


def _simplify(value: str | None) -> float:
    if value in (None, ""):
        return DEFAULT_SIMPLIFY_DEGREES
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 0.1:
        raise ValidationError({"simplify": [_("A tolerance in degrees from 0 to 0.1.")]})
    return number


class RegionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Region outlines as one GeoJSON FeatureCollection (``?profile=``; ``?simplify=`` in
    degrees, 0 for full detail), cached until a region changes."""

    role_access = {"list": ANY_ROLE}
    serializer_class = RegionSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return region_list()

    def list(self, request: Request, *args, **kwargs) -> Response:
        profile = request.query_params.get("profile") or None
        simplify = _simplify(request.query_params.get("simplify"))
        key = f"incidents:regions:{profile}:{simplify}:{region_version(profile=profile)}"
        body = cache.get(key)
        if body is None:
            queryset = region_list(profile=profile, simplify=simplify)
            body = RegionSerializer(queryset, many=True).data
            cache.set(key, body, REGIONS_CACHE_SECONDS)
        return Response(body)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The deployment's incident categories, by code."""

    role_access = {"list": ANY_ROLE, "retrieve": ANY_ROLE}
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "code"

    def get_queryset(self):
        return category_list()
