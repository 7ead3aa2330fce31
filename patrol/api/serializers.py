"""Input and output shapes of the patrol API."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from commands.models import Team
from incidents.models import Region
from patrol.choices import UnitKind, UnitStatus
from patrol.models import PatrolPlace, Plan, PlanItem, Shift, Unit, Visit


class UnitSerializer(serializers.ModelSerializer):
    geom = GeometryField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "call_sign", "team", "kind", "geom", "status", "capabilities", "profile"]


class LocationInput(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)

    def point(self) -> Point:
        return Point(self.validated_data["lon"], self.validated_data["lat"], srid=settings.SRID)


class UnitCreateInput(LocationInput):
    call_sign = serializers.CharField(max_length=50)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=UnitKind.choices, default=UnitKind.CAR)
    status = serializers.ChoiceField(choices=UnitStatus.choices, default=UnitStatus.AVAILABLE)
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, default=list
    )
    profile = serializers.CharField(max_length=50, default="kuwait")


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "unit", "regions", "start", "end", "patrol_minutes"]


class ShiftCreateInput(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    regions = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False
    )
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    patrol_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60)


class PlaceSerializer(serializers.ModelSerializer):
    geom = GeometryField(read_only=True)
    centroid = GeometryField(read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PatrolPlace
        fields = ["id", "profile", "region", "rate", "geom", "centroid", "from_hotspot", "run"]


class PlanSerializer(serializers.ModelSerializer):
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "profile",
            "window_start",
            "window_end",
            "run",
            "parameters",
            "seed",
            "objective",
            "greedy_objective",
            "bound",
            "solver_status",
            "gap",
            "solve_seconds",
            "exposure",
            "status",
            "published_by",
            "published_at",
            "closed_at",
            "created_at",
        ]


class PlanGenerateInput(serializers.Serializer):
    profile = serializers.CharField(max_length=50, default="kuwait")
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    time_limit_s = serializers.FloatField(min_value=0.5, max_value=60, required=False)
    work_limit = serializers.FloatField(min_value=0.1, max_value=60, required=False)


class WindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=1, max_value=240)


class PlanItemSerializer(serializers.ModelSerializer):
    call_sign = serializers.CharField(source="unit.call_sign", read_only=True)
    place_geom = GeometryField(source="place.geom", read_only=True)
    windows = WindowSerializer(many=True, read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "plan",
            "unit",
            "call_sign",
            "shift",
            "place",
            "place_geom",
            "windows",
            "planned_minutes",
            "task",
        ]


class ItemWindowsInput(serializers.Serializer):
    windows = WindowSerializer(many=True, max_length=50)


class QueuedAtInput(serializers.Serializer):
    """``at``: when the update was made on the phone (a queued update reaches the server
    later); at most a day old and not in the future (5 minutes of clock drift allowed)."""

    at = serializers.DateTimeField(required=False)

    def validate_at(self, value):
        now = timezone.now()
        if value > now + timedelta(minutes=5) or value < now - timedelta(hours=24):
            raise serializers.ValidationError("Give a time within the last 24 hours.")
        return min(value, now)


class CheckInInput(LocationInput, QueuedAtInput):
    idempotency_key = serializers.CharField(max_length=64)


class CheckOutInput(QueuedAtInput):
    idempotency_key = serializers.CharField(max_length=64)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)


class VisitSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text="checkin or gps")

    class Meta:
        model = Visit
        fields = ["id", "unit", "place", "item", "arrival", "departure", "source", "minutes"]


class AdherenceSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    call_sign = serializers.CharField()
    shift = serializers.IntegerField(allow_null=True)
    planned_minutes = serializers.IntegerField()
    delivered_minutes = serializers.FloatField()
    adherence = serializers.FloatField(allow_null=True)


class PositionInput(LocationInput):
    at = serializers.DateTimeField()


class PositionsInput(serializers.Serializer):
    """A batch of a unit's GPS points (any order); visits are derived where it dwelt."""

    points = PositionInput(many=True, allow_empty=False, max_length=5000)


class PositionsResult(serializers.Serializer):
    points = serializers.IntegerField()
    created = serializers.IntegerField()
    visits = VisitSerializer(many=True)
