"""API serializers: output shapes and the input of each action. Fields listed explicitly."""

from django.contrib.auth import get_user_model
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from commands.api.timeline import task_update_text
from commands.choices import OPEN_TASK_STATUSES, Severity, TaskPriority, TaskStatus
from commands.models import Alert, AlertEvent, AlertRule, Delivery, Task, TaskUpdate, Team
from incidents.models import Category, Incident, Region

User = get_user_model()


class UserRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)


class AlertEventSerializer(serializers.ModelSerializer):
    actor = UserRefField(read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "at", "actor", "step_key", "scheduled_at", "note", "data"]


class DeliverySerializer(serializers.ModelSerializer):
    recipient = UserRefField(read_only=True)
    fallback_from = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "uuid",
            "recipient",
            "channel",
            "status",
            "provider_id",
            "provider_status",
            "attempts",
            "last_error",
            "step_key",
            "fallback_from",
            "queued_at",
            "sent_at",
            "delivered_at",
            "failed_at",
        ]


class AlertTaskSerializer(serializers.ModelSerializer):
    """The tasks made from an alert, as the alert shows them."""

    title = serializers.SerializerMethodField()
    assignee_user = UserRefField(read_only=True)
    assignee_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "title", "status", "assignee_user", "assignee_team", "due_at"]

    def get_title(self, task: Task) -> str:
        return task.title_for(translation.get_language() or "en")


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", default=None, read_only=True)
    tasks = AlertTaskSerializer(many=True, read_only=True)
    open_task = serializers.SerializerMethodField()
    acknowledged_by = UserRefField(read_only=True)
    resolved_by = UserRefField(read_only=True)
    suppressed_by = UserRefField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "uuid",
            "source",
            "rule",
            "rule_name",
            "severity",
            "status",
            "title_en",
            "title_ar",
            "message_en",
            "message_ar",
            "region",
            "category",
            "hotspot_id",
            "forecast_id",
            "task",
            "tasks",
            "open_task",
            "count",
            "short_code",
            "first_seen_at",
            "last_seen_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_via",
            "resolved_at",
            "resolved_by",
            "suppressed_until",
            "suppressed_by",
            "next_step_at",
            "escalation_finished_at",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_open_task(self, alert: Alert) -> int | None:
        """The id of the alert's open task (null when none): follow it, do not add one."""
        return next((t.pk for t in alert.tasks.all() if t.status in OPEN_TASK_STATUSES), None)


class AlertDetailSerializer(AlertSerializer):
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    timeline = AlertEventSerializer(source="events", many=True, read_only=True)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [
            *AlertSerializer.Meta.fields,
            "incidents",
            "resolution_note",
            "suppressed_reason",
            "escalation_snapshot",
            "timeline",
            "deliveries",
        ]


class AlertManualInput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    title_en = serializers.CharField(max_length=300)
    title_ar = serializers.CharField(max_length=300, required=False, allow_blank=True)
    message_en = serializers.CharField(required=False, allow_blank=True)
    message_ar = serializers.CharField(required=False, allow_blank=True)
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    incidents = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), many=True, required=False
    )


class AlertResolveInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SuppressInput(serializers.Serializer):
    reason = serializers.CharField()
    until = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=60 * 24 * 90)

    def validate(self, attrs):
        if not attrs.get("until") and not attrs.get("minutes"):
            raise serializers.ValidationError({"until": "Give `until` or `minutes`."})
        return attrs


class AlertRuleSerializer(serializers.ModelSerializer):
    regions = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False
    )
    categories = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), many=True, required=False
    )
    suppressed_by = UserRefField(read_only=True)

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "kind",
            "severity",
            "regions",
            "categories",
            "params",
            "cooldown_minutes",
            "is_active",
            "suppressed_until",
            "suppressed_reason",
            "suppressed_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["suppressed_until", "suppressed_reason", "created_at", "updated_at"]


class TeamSerializer(serializers.ModelSerializer):
    members = UserRefField(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "slug", "name_en", "name_ar", "region", "members"]


def _lat(geom) -> float | None:
    return round(geom.y, 6) if geom is not None else None


def _lon(geom) -> float | None:
    return round(geom.x, 6) if geom is not None else None


class TaskUpdateSerializer(serializers.ModelSerializer):
    """One line of a task's timeline; ``text`` is rendered in the reader's language."""

    author = UserRefField(read_only=True)
    geom = GeometryField(read_only=True)
    text = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()

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

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_lat(self, update: TaskUpdate) -> float | None:
        return _lat(update.geom)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_lon(self, update: TaskUpdate) -> float | None:
        return _lon(update.geom)


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
    lat = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()
    geo_uri = serializers.SerializerMethodField()
    alert_summary = TaskAlertSerializer(source="alert", read_only=True, allow_null=True)
    assignee_user = UserRefField(read_only=True)
    assignee_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = UserRefField(read_only=True)

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

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_lat(self, task: Task) -> float | None:
        return _lat(task.geom)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_lon(self, task: Task) -> float | None:
        return _lon(task.geom)

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
    geom = GeometryField(required=False, allow_null=True)
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
    geom = GeometryField(required=False, allow_null=True)
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
    geom = GeometryField(required=False, allow_null=True)


class TaskNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=TaskStatus.choices, required=False, allow_blank=True, default=""
    )
    geom = GeometryField(required=False, allow_null=True)


class PolicyValidateInput(serializers.Serializer):
    content = serializers.CharField(
        required=False, help_text="YAML to check; omit to check the file."
    )
