"""Response measures, the briefing archive and shift handovers (JSON)."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from briefings.api.serializers import (
    BriefingSerializer,
    CompareQuerySerializer,
    HandoverSerializer,
    HandoverSignOffSerializer,
    MeasureRowSerializer,
    MeasuresQuerySerializer,
)
from briefings.models import Briefing
from briefings.selectors.handover import handover_list, shift_summary
from briefings.selectors.measures import MEASURES, response_compare, response_measures
from briefings.services.briefing import briefing_subscribe
from briefings.services.handover import handover_acknowledge, handover_sign_off
from incidents.profiles import served_profile
from khareetaty.permissions import ANALYSTS, STAFF


class ResponseMeasuresView(APIView):
    """Median and 90th percentile of the response times of waits begun in ``[since, until)``
    (default: the last 30 days), grouped by ``by`` (all, region, severity, team, day, week)."""

    role_access = {"read": STAFF}

    @extend_schema(parameters=[MeasuresQuerySerializer], responses=MeasureRowSerializer(many=True))
    def get(self, request):
        query = MeasuresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = query.validated_data["period"]
        rows = response_measures(
            since=since, until=until, by=query.validated_data["by"], tz=served_profile()[1]
        )
        return Response(
            {
                "since": since,
                "until": until,
                "by": query.validated_data["by"],
                "measures": {key: str(label) for key, label in MEASURES.items()},
                "results": [asdict(row) for row in rows],
            }
        )


class ResponseCompareView(APIView):
    """Two periods side by side (``first_*`` before, ``second_*`` after), with the relative
    change of the median and 90th percentile (``-0.3`` = 30 % faster)."""

    role_access = {"read": STAFF}

    @extend_schema(parameters=[CompareQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = response_compare(first=data["first"], second=data["second"], by=data["by"])
        return Response(
            {"by": data["by"], "first": data["first"], "second": data["second"], "results": rows}
        )


class BriefingViewSet(viewsets.ReadOnlyModelViewSet):
    """The briefing archive (newest first); ``subscribe`` turns the caller's e-mail on/off."""

    serializer_class = BriefingSerializer
    role_access = {"read": STAFF, "subscribe": STAFF}
    queryset = Briefing.objects.all()

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def subscribe(self, request):
        active = request.data.get("active")
        if not isinstance(active, bool):
            return Response({"active": ["Send true or false."]}, status=400)
        subscription = briefing_subscribe(user=request.user, active=active)
        return Response({"active": subscription.active})


class HandoverViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shift handovers. ``preview`` shows a shift's summary before sign-off; POST signs it
    off (outgoing); ``acknowledge`` takes it over (incoming). Both are audited."""

    serializer_class = HandoverSerializer
    role_access = {"read": STAFF, "preview": STAFF, "create": ANALYSTS, "acknowledge": ANALYSTS}

    def get_queryset(self):
        return handover_list()

    @extend_schema(parameters=[HandoverSignOffSerializer], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def preview(self, request):
        query = HandoverSignOffSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(shift_summary(start=data["shift_start"], end=data["shift_end"]))

    @extend_schema(request=HandoverSignOffSerializer, responses=HandoverSerializer)
    def create(self, request):
        data = HandoverSignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = handover_sign_off(user=request.user, **data.validated_data)
        return Response(HandoverSerializer(handover).data, status=201)

    @extend_schema(request=None, responses=HandoverSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        get_object_or_404(handover_list(), pk=pk)
        handover = handover_acknowledge(user=request.user, handover_id=int(pk))
        return Response(HandoverSerializer(handover).data)
