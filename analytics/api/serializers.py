from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from analytics.models import Forecast, Hotspot, ModelRun, RiskCell


class RunStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelRun
        fields = ["id", "kind", "status", "started_at", "finished_at", "duration_seconds", "error"]


class ModelRunSerializer(serializers.ModelSerializer):
    steps = RunStepSerializer(many=True, read_only=True)
    requested_by = serializers.CharField(
        source="requested_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ModelRun
        fields = [
            "id",
            "kind",
            "profile",
            "status",
            "trigger",
            "requested_by",
            "parameters",
            "window_start",
            "window_end",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "metrics",
            "error",
            "steps",
        ]


class RunRequestSerializer(serializers.Serializer):
    profile = serializers.CharField(max_length=50, default="kuwait")
    parameters = serializers.DictField(required=False, default=dict)


class HotspotSerializer(GeoFeatureModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None, allow_null=True)
    region_name = serializers.CharField(source="region.name_en", default=None, allow_null=True)

    class Meta:
        model = Hotspot
        geo_field = "geom"
        fields = [
            "id",
            "run",
            "track",
            "rank",
            "region",
            "region_code",
            "region_name",
            "incident_count",
            "category_breakdown",
            "score",
            "density",
            "area_km2",
            "first_incident_at",
            "last_incident_at",
            "trend",
            "previous_count",
            "first_seen_at",
            "runs_seen",
        ]


class ForecastSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None, allow_null=True)
    category_code = serializers.CharField(source="category.code", default=None, allow_null=True)

    class Meta:
        model = Forecast
        fields = [
            "run",
            "region",
            "region_code",
            "category_code",
            "date",
            "method",
            "yhat",
            "lower_80",
            "upper_80",
            "lower_95",
            "upper_95",
        ]


class RiskCellSerializer(GeoFeatureModelSerializer):
    class Meta:
        model = RiskCell
        geo_field = "geom"
        fields = ["id", "run", "col", "row", "score", "rank", "percentile"]
