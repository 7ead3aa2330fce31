"""Task serializers: the task with its place and timeline, and the action inputs."""

from django.contrib.auth import get_user_model
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from commands.api.serializers.common import UserRefField
from commands.api.timeline import task_update_text
from commands.choices import TaskPriority, TaskStatus
from commands.models import Alert, Task, TaskUpdate, Team
from incidents.models import Incident, Region

User = get_user_model()


def _lat(geom) -> float | None:
    return round(geom.y, 6) if geom is not None else None


def _lon(geom) -> float | None:
    return round(geom.x, 6) if geom is not None else None


@extend_schema_field(OpenApiTypes.FLOAT)
class CoordinateField(serializers.Field):
    """``lat`` (axis ``y``) or ``lon`` (``x``) of the object's ``geom``, in degrees to six
    decimals; null without a place."""

    def __init__(self, axis: str, **kwargs) -> None:
        self.axis = axis
        super().__init__(source="geom", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, geom) -> float:
        return round(getattr(geom, self.axis), 6)


class TaskUpdateSerializer(serializers.ModelSerializer):
    """One line of a task's timeline; ``text`` is rendered in the reader's language."""

    author = UserRefField(read_only=True, allow_null=True)
    geom = GeometryField(read_only=True)
    text = serializers.SerializerMethodField()
    lat = CoordinateField("y")
    lon = CoordinateField("x")

    class Meta:
        model = TaskUpdate
        fields = [
            "id",
            "kind",
            "author",
            "note",
            "text",
            "status",
            "data",
            "geom",
            "lat",
            "lon",
            "created_at",
        ]

    def get_text(self, update: TaskUpdate) -> str:
        return task_update_text(update)


class TaskAlertSerializer(serializers.ModelSerializer):
    """The alert a task was made from, as the task shows it."""

    title = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "title", "severity", "status"]

    def get_title(self, alert: Alert) -> str:
        return alert.title_for(translation.get_language() or "en")


class TaskSerializer(serializers.ModelSerializer):
    """A task. ``title``/``description`` are in the reader's language when the task was
    generated from an alert or hotspot (both kept in ``*_en``/``*_ar``); ``lat``/``lon``
    and ``geo_uri`` give its place for a map or a phone's navigation app."""

    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    title_en = serializers.CharField(source="title", read_only=True)
    description_en = serializers.CharField(source="description", read_only=True)
    geom = GeometryField(read_only=True)
    lat = CoordinateField("y")
    lon = CoordinateField("x")
    geo_uri = serializers.SerializerMethodField()
    alert_summary = TaskAlertSerializer(source="alert", read_only=True, allow_null=True)
    assignee_user = UserRefField(read_only=True, allow_null=True)
    assignee_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_by = UserRefField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "title_en",
            "title_ar",
            "description_en",
            "description_ar",
            "priority",
            "status",
            "geom",
            "lat",
            "lon",
            "geo_uri",
            "due_at",
            "alert",
            "alert_summary",
            "hotspot_id",
            "incident",
            "region",
            "assignee_user",
            "assignee_team",
            "created_by",
            "overdue_alert",
            "created_at",
            "updated_at",
            "completed_at",
        ]

    def get_title(self, task: Task) -> str:
        return task.title_for(translation.get_language() or "en")

    def get_description(self, task: Task) -> str:
        return task.description_for(translation.get_language() or "en")

    @extend_schema_field(OpenApiTypes.STR)
    def get_geo_uri(self, task: Task) -> str | None:
        """``geo:lat,lon`` (RFC 5870): opens the phone's map app, works offline."""
        if task.geom is None:
            return None
        return f"geo:{_lat(task.geom)},{_lon(task.geom)}"


class TaskDetailSerializer(TaskSerializer):
    """A task with its timeline (``updates``, oldest first) and ``track``: the updates
    that carry a location, as points."""

    updates = TaskUpdateSerializer(many=True, read_only=True)
    track = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "updates", "track"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_track(self, task: Task) -> list[dict]:
        return [
            {
                "update": u.pk,
                "lat": _lat(u.geom),
                "lon": _lon(u.geom),
                "status": u.status,
                "author": getattr(u.author, "username", None),
                "at": u.created_at,
            }
            for u in task.updates.all()
            if u.geom is not None
        ]


@extend_schema_field(
    {
        "type": "object",
        "description": "A GeoJSON Point (WGS 84 longitude, latitude).",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 3,
            },
        },
        "required": ["type", "coordinates"],
        "nullable": True,
    }
)
class PointInput(GeometryField):
    """A location given as a GeoJSON Point (lon, lat) inside valid degrees; anything else
    is a 400, never a database error."""

    def to_internal_value(self, value):
        geom = super().to_internal_value(value)
        if geom is None:
            return geom
        if geom.geom_type != "Point":
            raise serializers.ValidationError("A location must be a GeoJSON Point.")
        if not (-180 <= geom.x <= 180 and -90 <= geom.y <= 90):
            raise serializers.ValidationError("The point must be longitude, latitude in degrees.")
        if geom.srid is None:
            geom.srid = 4326
        return geom


class _AssigneeInput(serializers.Serializer):
    assignee_user = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    assignee_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )


class TaskCreateInput(_AssigneeInput):
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    geom = PointInput(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    alert = serializers.PrimaryKeyRelatedField(
        queryset=Alert.objects.all(), required=False, allow_null=True
    )
    hotspot = serializers.IntegerField(required=False, allow_null=True)
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs):
        if not attrs.get("title") and not attrs.get("alert") and not attrs.get("hotspot"):
            raise serializers.ValidationError(
                {"title": "A title is required (or an alert/hotspot to pre-fill from)."}
            )
        return attrs


class TaskEditInput(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    geom = PointInput(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )


class TaskAssignInput(_AssigneeInput):
    pass


class TaskCancelInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TaskDueInput(serializers.Serializer):
    due_at = serializers.DateTimeField(allow_null=True)


class TaskStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    geom = PointInput(required=False, allow_null=True)
    idempotency_key = serializers.CharField(max_length=64, required=False, default="")


class TaskNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=TaskStatus.choices, required=False, allow_blank=True, default=""
    )
    geom = PointInput(required=False, allow_null=True)
    idempotency_key = serializers.CharField(max_length=64, required=False, default="")
