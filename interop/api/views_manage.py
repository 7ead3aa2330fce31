"""``/api/interop/``: superadmins manage agencies, service accounts, keys, sharing rules and
feeds, and read the request log and the share record. Staff authentication (JWT or
session); every write goes through ``interop.services.accounts`` (validated, audited)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from interop.api.serializers import (
    AgencySerializer,
    FeedSerializer,
    KeyCreatedSerializer,
    KeyCreateSerializer,
    KeySerializer,
    RequestLogSerializer,
    ServiceAccountSerializer,
    ShareRecordSerializer,
    SharingRuleSerializer,
)
from interop.filters import RequestLogFilterSet
from interop.models import Agency, Feed, ServiceAccount, ServiceAccountKey, ShareRecord, SharingRule
from interop.selectors import request_log_list
from interop.services import accounts
from khareetaty.permissions import SUPERADMIN_ONLY

TAG = "interop-admin"


class ManageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    role_access = SUPERADMIN_ONLY
    http_method_names = ["get", "post", "patch"]


@extend_schema_view(
    list=extend_schema(tags=[TAG]),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG]),
    partial_update=extend_schema(tags=[TAG]),
)
class AgencyViewSet(ManageViewSet):
    queryset = Agency.objects.order_by("code")
    serializer_class = AgencySerializer

    def perform_create(self, serializer) -> None:
        serializer.instance = accounts.agency_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        accounts.agency_update(
            agency=serializer.instance, actor=self.request.user, data=serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(tags=[TAG]),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG]),
    partial_update=extend_schema(tags=[TAG]),
)
class ServiceAccountViewSet(ManageViewSet):
    queryset = ServiceAccount.objects.select_related("agency").prefetch_related(
        "regions", "categories"
    )
    serializer_class = ServiceAccountSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = accounts.service_account_create(
            actor=self.request.user,
            agency=data.pop("agency"),
            region_ids=data.pop("region_ids", None),
            category_ids=data.pop("category_ids", None),
            **data,
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("agency", None)
        accounts.service_account_update(
            account=serializer.instance,
            actor=self.request.user,
            region_ids=data.pop("region_ids", None),
            category_ids=data.pop("category_ids", None),
            data=data,
        )

    @extend_schema(
        tags=[TAG],
        request=KeyCreateSerializer,
        responses={201: KeyCreatedSerializer},
        summary="Create a key (shown once); the account's other keys stay live",
    )
    @action(detail=True, methods=["post"], url_path="keys")
    def create_key(self, request: Request, pk=None) -> Response:
        body = KeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key, secret = accounts.key_create(
            actor=request.user,
            account=self.get_object(),
            name=body.validated_data["name"],
            expires_at=body.validated_data.get("expiry_date"),
        )
        data = KeySerializer(key).data | {"key": secret}
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(tags=[TAG]), retrieve=extend_schema(tags=[TAG]))
class KeyViewSet(viewsets.ReadOnlyModelViewSet):
    """Keys by prefix (never their secret)."""

    role_access = SUPERADMIN_ONLY
    queryset = ServiceAccountKey.objects.order_by("-created")
    serializer_class = KeySerializer
    lookup_field = "prefix"
    filterset_fields = ["service_account", "revoked"]

    @extend_schema(tags=[TAG], request=None, responses=KeySerializer, summary="Revoke a key")
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, prefix=None) -> Response:
        key = accounts.key_revoke(actor=request.user, key=self.get_object())
        return Response(KeySerializer(key).data)


@extend_schema_view(
    list=extend_schema(tags=[TAG]),
    retrieve=extend_schema(tags=[TAG]),
    partial_update=extend_schema(tags=[TAG]),
)
class SharingRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    role_access = SUPERADMIN_ONLY
    http_method_names = ["get", "patch"]
    queryset = SharingRule.objects.select_related("agency").order_by("agency__code")
    serializer_class = SharingRuleSerializer

    def perform_update(self, serializer) -> None:
        serializer.instance = accounts.sharing_rule_update(
            agency=serializer.instance.agency, actor=self.request.user, **serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(tags=[TAG]),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG]),
    partial_update=extend_schema(tags=[TAG]),
)
class FeedViewSet(ManageViewSet):
    """Registered feeds, each with its last batch, counts, rejected rows and lateness."""

    queryset = Feed.objects.select_related("agency")
    serializer_class = FeedSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = accounts.feed_create(
            actor=self.request.user, agency=data.pop("agency"), **data
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("agency", None)
        accounts.feed_update(feed=serializer.instance, actor=self.request.user, data=data)


@extend_schema_view(list=extend_schema(tags=[TAG]), retrieve=extend_schema(tags=[TAG]))
class RequestLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The request log (``interop_requests``), newest first, searchable."""

    role_access = SUPERADMIN_ONLY
    serializer_class = RequestLogSerializer
    filterset_class = RequestLogFilterSet

    def get_queryset(self):
        return request_log_list()

    def filter_queryset(self, queryset):
        """A time window is found through the block-range index on ``created_at`` and then
        sorted; newest-first by id would walk the primary key back from today through every
        later row (measured at 10 M rows: 0.7 s against 29 s for one day 200 days back)."""
        queryset = super().filter_queryset(queryset)
        if {"since", "until"} & set(self.request.query_params):
            queryset = queryset.order_by("-created_at", "-id")
        return queryset


@extend_schema_view(list=extend_schema(tags=[TAG]), retrieve=extend_schema(tags=[TAG]))
class ShareRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Every share: which agency and account received what, and how many records."""

    role_access = SUPERADMIN_ONLY
    queryset = ShareRecord.objects.order_by("-id")
    serializer_class = ShareRecordSerializer
    filterset_fields = ["agency", "service_account", "kind"]
