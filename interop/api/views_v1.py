"""``/api/interop/v1/``: what partner systems call with an API key.

Every view here authenticates keys only (``ServiceAccountKeyAuthentication``), declares the
scope each method needs (``scope_access``), is limited per key, and declares no staff role
(``KEY_ONLY``): a staff token or session never opens it. Every pull goes through the
account's region and category scope (``interop.selectors``) and the sharing rule
(``interop.services.sharing.share_out``).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interop.api.pages import keyset_page
from interop.api.serializers import (
    CallerSerializer,
    FeatureCollectionSerializer,
    PullQuerySerializer,
    PushOutputSerializer,
    PushSerializer,
)
from interop.auth import (
    ANY_SCOPE,
    KEY_ONLY,
    ScopeAccess,
    ServiceAccountKeyAuthentication,
    ServiceAccountKeyRateLimit,
)
from interop.choices import Scope, ShareKind
from interop.selectors import (
    alerts_shared,
    caller_summary,
    forecasts_shared,
    hotspots_shared,
    incidents_shared,
)
from interop.services.push import incidents_push
from interop.services.sharing import EIDO, GEOJSON, share_out

TAG = "interop"
FEATURES_EXAMPLE = OpenApiExample(
    "A page",
    value={
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": 812,
                "geometry": {"type": "Point", "coordinates": [47.98, 29.37]},
                "properties": {
                    "updated_at": "2026-12-01T08:00:00+00:00",
                    "category": "theft",
                    "occurred_at": "2026-12-01T07:40:00+00:00",
                    "region": "capital",
                    "severity": 2,
                },
            }
        ],
        "next_cursor": "WyIyMDI2LTEyLTAxVDA4OjAwOjAwKzAwOjAwIiwgODEyXQ",
        "sync_cursor": "WyIyMDI2LTEyLTAxVDA4OjAwOjAwKzAwOjAwIiwgODEyXQ",
    },
    response_only=True,
)
PUSH_EXAMPLE = OpenApiExample(
    "Two records",
    value={
        "records": [
            {
                "incident_id": "MOH-2026-0001",
                "occurred_at": "2026-12-01T10:15:00+03:00",
                "category": "theft",
                "latitude": 29.37,
                "longitude": 47.98,
                "severity": 2,
            },
            {"incident_id": "MOH-2026-0002", "occurred_at": "yesterday", "category": "?"},
        ]
    },
    request_only=True,
)
PUSH_RESULT_EXAMPLE = OpenApiExample(
    "Per-record results",
    value={
        "batch": 41,
        "received": 2,
        "accepted": 1,
        "duplicates": 0,
        "rejected": 1,
        "results": [
            {"index": 0, "external_id": "MOH-2026-0001", "status": "accepted", "id": 9001},
            {
                "index": 1,
                "external_id": "MOH-2026-0002",
                "status": "rejected",
                "errors": [
                    {"field": "occurred_at", "code": "invalid_timestamp", "message": "…"},
                    {"field": "category", "code": "unknown_category", "message": "…"},
                ],
            },
        ],
    },
    response_only=True,
)


class InteropView(APIView):
    authentication_classes = [ServiceAccountKeyAuthentication]
    permission_classes = [ScopeAccess]
    throttle_classes = [ServiceAccountKeyRateLimit]
    role_access = KEY_ONLY


class PullView(InteropView):
    """A GeoJSON page of one kind, scoped and shared through the one sharing path."""

    kind: str = ""
    time_field: str | None = "updated_at"

    def rows(self, account):
        raise NotImplementedError

    def form(self, request: Request) -> str:
        return GEOJSON

    def since(self, rows, when):
        return rows.filter(**{f"{self.time_field}__gt": when})

    def get(self, request: Request) -> Response:
        query = PullQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = request.auth.service_account
        rows = self.rows(account)
        if since := query.validated_data.get("updated_since"):
            rows = self.since(rows, since)
        page, next_cursor, sync_cursor = keyset_page(
            rows,
            cursor=query.validated_data.get("cursor"),
            limit=query.validated_data["limit"],
            time_field=self.time_field,
        )
        form = self.form(request)
        shared = share_out(account=account, kind=self.kind, rows=page, form=form)
        if form == EIDO:
            return Response(
                {"eidos": shared, "next_cursor": next_cursor, "sync_cursor": sync_cursor}
            )
        return Response(
            {
                "type": "FeatureCollection",
                "features": shared,
                "next_cursor": next_cursor,
                "sync_cursor": sync_cursor,
            }
        )


def pull_schema(summary: str, operation_id: str):
    return extend_schema(
        tags=[TAG],
        operation_id=operation_id,
        summary=summary,
        parameters=[PullQuerySerializer],
        responses=FeatureCollectionSerializer,
        examples=[FEATURES_EXAMPLE],
    )


class EidoRenderer(JSONRenderer):
    """Pulled incidents as NENA EIDO documents (``?format=eido`` or this media type)."""

    media_type = "application/vnd.nena.eido+json"
    format = "eido"


class IncidentsView(PullView):
    """Pull incidents (``incidents:read``, GeoJSON or EIDO); push (``incidents:write``)."""

    scope_access = {"GET": Scope.INCIDENTS_READ, "POST": Scope.INCIDENTS_WRITE}
    kind = ShareKind.INCIDENTS
    renderer_classes = [JSONRenderer, EidoRenderer]

    def form(self, request: Request) -> str:
        return EIDO if request.accepted_renderer.format == "eido" else GEOJSON

    def finalize_response(self, request: Request, response, *args, **kwargs):
        # Only pulled incidents are EIDO documents: errors and push results stay plain JSON
        # (the media type the schema documents for them), whatever format was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        eido = renderer is not None and renderer.format == "eido"
        if eido and (response.status_code >= 400 or request.method != "GET"):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def rows(self, account):
        return incidents_shared(account=account)

    @pull_schema(
        "Pull incidents (GeoJSON, cursor pages, updated_since)", "interop_v1_incidents_list"
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        tags=[TAG],
        summary="Push incidents (per-record results; idempotent on your external id)",
        request=PushSerializer,
        responses=PushOutputSerializer,
        examples=[PUSH_EXAMPLE, PUSH_RESULT_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        body = PushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = incidents_push(
            account=request.auth.service_account,
            records=body.validated_data["records"],
            key_prefix=request.auth.prefix,
            feed_name=body.validated_data.get("feed"),
        )
        return Response(PushOutputSerializer(result).data)


class AlertsView(PullView):
    scope_access = {"GET": Scope.ALERTS_READ}
    kind = ShareKind.ALERTS

    def rows(self, account):
        return alerts_shared(account=account)

    @pull_schema("Pull alerts", "interop_v1_alerts_list")
    def get(self, request: Request) -> Response:
        return super().get(request)


class AlertDetailView(InteropView):
    scope_access = {"GET": Scope.ALERTS_READ}

    @extend_schema(tags=[TAG], summary="One alert", responses=FeatureCollectionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        account = request.auth.service_account
        alert = alerts_shared(account=account).filter(pk=pk).first()
        if alert is None:
            raise NotFound(_("No such alert is shared with this account."))
        features = share_out(account=account, kind=ShareKind.ALERTS, rows=[alert])
        return Response(
            {
                "type": "FeatureCollection",
                "features": features,
                "next_cursor": None,
                "sync_cursor": None,
            }
        )


class HotspotsView(PullView):
    """The latest run's hotspots; ``updated_since`` compares the run's finish."""

    scope_access = {"GET": Scope.HOTSPOTS_READ}
    kind = ShareKind.HOTSPOTS
    time_field = None

    def rows(self, account):
        return hotspots_shared(account=account)

    def since(self, rows, when):
        return rows.filter(run__finished_at__gt=when)

    @pull_schema("Pull hotspots (the latest run)", "interop_v1_hotspots_list")
    def get(self, request: Request) -> Response:
        return super().get(request)


class ForecastsView(HotspotsView):
    scope_access = {"GET": Scope.FORECASTS_READ}
    kind = ShareKind.FORECASTS

    def rows(self, account):
        return forecasts_shared(account=account)

    @pull_schema("Pull forecasts (the latest run)", "interop_v1_forecasts_list")
    def get(self, request: Request) -> Response:
        return super().get(request)


class CallerView(InteropView):
    """Who the key is and what it may do: scopes, limits, regions, shared fields."""

    scope_access = {"GET": ANY_SCOPE}

    @extend_schema(tags=[TAG], summary="This key: scopes and limits", responses=CallerSerializer)
    def get(self, request: Request) -> Response:
        return Response(CallerSerializer(caller_summary(key=request.auth)).data)
