"""The patrol API: units, shifts, places, plans (generate, publish, close, items,
adherence), plan items (windows, check-in) and visits (check-out). Field supervisors see
and act on only their own units'."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from commands.permissions import ANALYSTS_AND_FIELD
from khareetaty.permissions import ANALYSTS, ANY_ROLE, STAFF
from patrol import selectors
from patrol.api import serializers as s
from patrol.filters import (
    PlaceFilterSet,
    PlanFilterSet,
    PlanItemFilterSet,
    ShiftFilterSet,
    VisitFilterSet,
)
from patrol.services import gps, plans, units, visits
from patrol.services.gps import Fix

READ_ANY_WRITE_ANALYSTS = {"read": ANY_ROLE, "write": ANALYSTS}


class UnitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Patrol units; field supervisors see their own. ``positions``: a batch of the unit's
    GPS points, turned into visits where it dwelt in a place (idempotent)."""

    serializer_class = s.UnitSerializer
    role_access = {**READ_ANY_WRITE_ANALYSTS, "positions": ANALYSTS_AND_FIELD}

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)

    @extend_schema(request=s.PositionsInput, responses=s.PositionsResult)
    @action(detail=True, methods=["post"])
    def positions(self, request, pk=None):
        data = s.PositionsInput(data=request.data)
        data.is_valid(raise_exception=True)
        fixes = [Fix(p["at"], p["lon"], p["lat"]) for p in data.validated_data["points"]]
        found, created = gps.visits_from_positions(
            unit=self.get_object(), fixes=fixes, actor=request.user
        )
        return Response(
            {
                "points": len(fixes),
                "created": created,
                "visits": s.VisitSerializer(found, many=True).data,
            }
        )

    @extend_schema(request=s.UnitCreateInput, responses={201: s.UnitSerializer})
    def create(self, request):
        data = s.UnitCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k not in ("lat", "lon")}
        unit = units.unit_create(actor=request.user, geom=data.point(), **fields)
        return Response(s.UnitSerializer(unit).data, status=status.HTTP_201_CREATED)


class ShiftViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shifts; field supervisors see their units'."""

    serializer_class = s.ShiftSerializer
    filterset_class = ShiftFilterSet
    role_access = READ_ANY_WRITE_ANALYSTS

    def get_queryset(self):
        return selectors.shift_list(user=self.request.user)

    @extend_schema(request=s.ShiftCreateInput, responses={201: s.ShiftSerializer})
    def create(self, request):
        data = s.ShiftCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = units.shift_create(actor=request.user, **data.validated_data)
        return Response(s.ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    """The active patrol places (from the latest risk map)."""

    serializer_class = s.PlaceSerializer
    filterset_class = PlaceFilterSet
    role_access = {"read": ANY_ROLE}

    def get_queryset(self):
        return selectors.place_list()


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans: command staff read; analysts generate, publish and close."""

    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet
    role_access = {
        "list": STAFF,
        "retrieve": STAFF,
        "generate": ANALYSTS,
        "publish": ANALYSTS,
        "close": ANALYSTS,
        "items": ANY_ROLE,
        "adherence": STAFF,
    }

    def get_queryset(self):
        return selectors.plan_list()

    @extend_schema(request=s.PlanGenerateInput, responses={201: s.PlanSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        data = s.PlanGenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plans.plan_generate(actor=request.user, **data.validated_data)
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan = plans.plan_publish(plan=self.get_object(), actor=request.user)
        return Response(s.PlanSerializer(plan).data)

    @extend_schema(request=None, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        plan = plans.plan_close(plan=self.get_object(), actor=request.user)
        return Response(s.PlanSerializer(plan).data)

    @extend_schema(responses=s.PlanItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        plan = get_object_or_404(selectors.plan_list(), pk=pk)
        items = selectors.plan_item_list(user=request.user, plan=plan)
        return Response(s.PlanItemSerializer(items, many=True).data)

    @extend_schema(responses=s.AdherenceSerializer(many=True))
    @action(detail=True, methods=["get"])
    def adherence(self, request, pk=None):
        rows = selectors.plan_adherence(plan=self.get_object())
        return Response(s.AdherenceSerializer(rows, many=True).data)


class PlanItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Plan items ("my patrol" for a field supervisor); windows edited by analysts on drafts,
    check-ins by the unit's supervisors (idempotent by key)."""

    serializer_class = s.PlanItemSerializer
    filterset_class = PlanItemFilterSet
    role_access = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "windows": ANALYSTS,
        "check_in": ANALYSTS_AND_FIELD,
    }

    def get_queryset(self):
        return selectors.plan_item_list(user=self.request.user)

    @extend_schema(request=s.ItemWindowsInput, responses=s.PlanItemSerializer)
    @action(detail=True, methods=["put"])
    def windows(self, request, pk=None):
        data = s.ItemWindowsInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = plans.plan_item_set_windows(
            item=self.get_object(), actor=request.user, windows=data.validated_data["windows"]
        )
        return Response(s.PlanItemSerializer(item).data)

    @extend_schema(
        request=s.CheckInInput, responses={201: s.VisitSerializer, 200: s.VisitSerializer}
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        data = s.CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit, created = visits.visit_check_in(
            item=self.get_object(),
            actor=request.user,
            geom=data.point(),
            key=data.validated_data["idempotency_key"],
            at=data.validated_data.get("at"),
        )
        return Response(
            s.VisitSerializer(visit).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Visits (check-ins); check out by key."""

    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet
    role_access = {"list": ANY_ROLE, "retrieve": ANY_ROLE, "check_out": ANALYSTS_AND_FIELD}

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user)

    @extend_schema(request=s.CheckOutInput, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        data = s.CheckOutInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        point = None
        if "lat" in given and "lon" in given:
            point = s.LocationInput(data=given)
            point.is_valid(raise_exception=True)
            point = point.point()
        visit, _ = visits.visit_check_out(
            visit=self.get_object(),
            actor=request.user,
            key=given["idempotency_key"],
            geom=point,
            at=given.get("at"),
        )
        return Response(s.VisitSerializer(visit).data)


class PlanLayerView(APIView):
    """``GET /api/patrol/layer``: the current published plan's places as GeoJSON, one
    feature per item (unit, windows, planned minutes), for the dashboard's plan layer."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        plan = selectors.plan_current()
        features = []
        if plan is not None:
            for item in selectors.plan_item_list(user=request.user, plan=plan):
                features.append(
                    {
                        "type": "Feature",
                        "id": item.pk,
                        "geometry": json.loads(item.place.geom.geojson),
                        "properties": {
                            "unit": item.unit_id,
                            "call_sign": item.unit.call_sign,
                            "place": item.place_id,
                            "planned_minutes": item.planned_minutes,
                            "windows": item.windows,
                        },
                    }
                )
        return Response(
            {"type": "FeatureCollection", "plan": plan.pk if plan else None, "features": features}
        )


class BacktestView(APIView):
    """``GET /api/patrol/backtest``: the latest efficiency backtest (``evaluate_patrol``):
    incidents covered per patrol hour by the plan, the greedy baseline and proportional
    allocation; ``{"report": null}`` before the first run."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        latest = selectors.backtest_latest(profile=request.query_params.get("profile"))
        if latest is None:
            return Response({"report": None})
        return Response(
            {"profile": latest.profile, "created_at": latest.created_at, "report": latest.report}
        )
