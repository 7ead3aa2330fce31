"""API serializers: output shapes and the input of each action. Fields listed explicitly."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from commands.choices import Severity, TaskPriority, TaskStatus
from commands.models import Alert, AlertEvent, AlertRule, Delivery, Task, TaskUpdate, Team
from incidents.models import Category, Incident, Region

User = get_user_model()


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
class PointInputField(GeometryField):
    """A task's location: a GeoJSON Point; any other geometry is refused (400)."""

    def to_internal_value(self, value):
        geometry = super().to_internal_value(value)
        if geometry.geom_type != "Point":
            raise serializers.ValidationError(_("A location must be a GeoJSON Point."))
        return geometry


class UserRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)


class AlertEventSerializer(serializers.ModelSerializer):
    actor = UserRefField(read_only=True, allow_null=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "at", "actor", "step_key", "scheduled_at", "note", "data"]


class DeliverySerializer(serializers.ModelSerializer):
    recipient = UserRefField(read_only=True)
    fallback_from = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)

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


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(
        source="rule.name", default=None, read_only=True, allow_null=True
    )
    acknowledged_by = UserRefField(read_only=True, allow_null=True)
    resolved_by = UserRefField(read_only=True, allow_null=True)
    suppressed_by = UserRefField(read_only=True, allow_null=True)

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
    suppressed_by = UserRefField(read_only=True, allow_null=True)

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


class TaskUpdateSerializer(serializers.ModelSerializer):
    author = UserRefField(read_only=True, allow_null=True)
    geom = GeometryField(read_only=True)

    class Meta:
        model = TaskUpdate
        fields = ["id", "author", "note", "status", "geom", "created_at"]


class TaskSerializer(serializers.ModelSerializer):
    geom = GeometryField(read_only=True)
    assignee_user = UserRefField(read_only=True, allow_null=True)
    assignee_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_by = UserRefField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "priority",
            "status",
            "geom",
            "due_at",
            "alert",
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


class TaskDetailSerializer(TaskSerializer):
    updates = TaskUpdateSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "updates"]


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
    geom = PointInputField(required=False, allow_null=True)
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
    geom = PointInputField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )


class TaskAssignInput(_AssigneeInput):
    pass


class TaskStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    geom = PointInputField(required=False, allow_null=True)


class TaskNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=TaskStatus.choices, required=False, allow_blank=True, default=""
    )
    geom = PointInputField(required=False, allow_null=True)


class PolicyValidateInput(serializers.Serializer):
    content = serializers.CharField(
        required=False, help_text="YAML to check; omit to check the file."
    )
