"""The analytics API: runs, hotspots, forecasts, the risk grid and the evaluation report."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers import (
    ForecastSerializer,
    HotspotSerializer,
    ModelRunSerializer,
    RiskCellSerializer,
    RunRequestSerializer,
)
from analytics.choices import RunTrigger
from analytics.filters import ForecastFilterSet, HotspotFilterSet, RiskCellFilterSet
from analytics.selectors import (
    evaluation_latest,
    forecast_list,
    hotspot_list,
    model_card_latest,
    model_run_list,
    risk_cell_list,
)
from analytics.services.runs import analytics_run_request
from analytics.services.transparency import parse_month, transparency_report
from khareetaty.api_actions import validated_input
from khareetaty.permissions import ANALYSTS, ANY_ROLE, STAFF

RISK_CACHE_SECONDS = 600
EVALUATION_NOT_RUN = "not_run"


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    return int(value) if value and value.isascii() and value.isdigit() else None


class ModelRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """``POST runs`` queues the analytics chain (analysts and up); when a chain is already
    running the answer is that run, with ``already_running: true``."""

    role_access = {"list": STAFF, "retrieve": STAFF, "create": ANALYSTS}
    serializer_class = ModelRunSerializer

    def get_queryset(self):
        return model_run_list(profile=self.request.query_params.get("profile")).filter(
            parent__isnull=True
        )

    @extend_schema(request=RunRequestSerializer, responses={202: ModelRunSerializer})
    def create(self, request, *args, **kwargs):
        v = validated_input(RunRequestSerializer, request)
        run, created = analytics_run_request(
            profile=v["profile"],
            parameters=v["parameters"],
            trigger=RunTrigger.API,
            requested_by=request.user,
            enqueue=True,
        )
        body = {**ModelRunSerializer(run).data, "already_running": not created}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class HotspotViewSet(viewsets.ReadOnlyModelViewSet):
    """GeoJSON hotspots of one run (``run``; default the latest), filtered by region, trend
    and minimum score."""

    role_access = {"read": ANY_ROLE}
    serializer_class = HotspotSerializer
    filterset_class = HotspotFilterSet
    pagination_class = None

    def get_queryset(self):
        return hotspot_list(
            run_id=_int_param(self.request, "run"), profile=self.request.query_params.get("profile")
        )


class ForecastViewSet(viewsets.ReadOnlyModelViewSet):
    """Forecast rows of one run (default the latest), filtered by region and category."""

    role_access = {"read": STAFF}
    serializer_class = ForecastSerializer
    filterset_class = ForecastFilterSet

    def get_queryset(self):
        return forecast_list(
            run_id=_int_param(self.request, "run"), profile=self.request.query_params.get("profile")
        )


class RiskMapView(APIView):
    """The risk grid of one run as a GeoJSON FeatureCollection, cached per run and filter."""

    role_access = {"read": STAFF}

    @extend_schema(responses=RiskCellSerializer(many=True))
    def get(self, request):
        cells = risk_cell_list(
            run_id=_int_param(request, "run"), profile=request.query_params.get("profile")
        )
        filtered = RiskCellFilterSet(request.query_params, queryset=cells)
        filtered.is_valid()
        run_id = cells.values_list("run_id", flat=True).first()
        key = f"analytics:risk:{run_id}:{request.query_params.urlencode()}"
        body = cache.get(key)
        if body is None:
            body = RiskCellSerializer(filtered.qs, many=True).data
            cache.set(key, body, RISK_CACHE_SECONDS)
        return Response(body)


class EvaluationView(APIView):
    """The latest evaluation report (accuracy beside the baselines, PAI/PEI of the risk map
    and hotspots), with the run it came from.

    Before the first evaluation has run the answer is still 200, with ``status: "not_run"``
    and an empty report, so the dashboard can show "not yet" instead of an error."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        profile = request.query_params.get("profile")
        run = evaluation_latest(profile=profile)
        if run is None:
            return Response(
                {
                    "status": EVALUATION_NOT_RUN,
                    "detail": _("No evaluation has run yet."),
                    "run": None,
                    "profile": profile,
                    "finished_at": None,
                    "report": {},
                }
            )
        return Response(
            {
                "status": run.status,
                "run": run.pk,
                "profile": run.profile,
                "finished_at": run.finished_at,
                "report": run.metrics,
            }
        )


class ModelCardView(APIView):
    """The model card of the latest analytics chain (or ``?run=``): forecaster and mix, data
    window, regions and categories covered, skill against each baseline with its 90 %
    interval, calibration, per-region skill, known artefacts and the share of incidents
    found by patrols. 200 with ``status: "not_run"`` before the first card exists."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        profile = request.query_params.get("profile")
        run = model_card_latest(profile=profile, run_id=_int_param(request, "run"))
        if run is None:
            return Response(
                {
                    "status": EVALUATION_NOT_RUN,
                    "detail": _("No model card has been published yet."),
                    "run": None,
                    "card": {},
                }
            )
        return Response(
            {
                "status": run.status,
                "run": run.pk,
                "profile": run.profile,
                "finished_at": run.finished_at,
                "card": run.metrics["model_card"],
            }
        )


class TransparencyView(APIView):
    """The monthly transparency report (``?month=YYYY-MM``, default this month; ``?profile=``):
    every model card the month's runs published, with a summary. 400 for a malformed month."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        try:
            month = parse_month(request.query_params.get("month"))
        except ValueError:
            return Response(
                {"month": [_("Give the month as YYYY-MM, e.g. 2025-06.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            transparency_report(month=month, profile=request.query_params.get("profile") or None)
        )
