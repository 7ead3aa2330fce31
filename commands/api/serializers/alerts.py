"""Alert, rule and team serializers (output shapes and action inputs)."""

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commands.api.serializers.common import UserRefField
from commands.choices import OPEN_TASK_STATUSES, Severity
from commands.models import Alert, AlertEvent, AlertNote, AlertRule, Delivery, Task, Team
from commands.selectors.alert_groups import alert_incident_points
from incidents.models import Category, Incident, Region


class AlertEventSerializer(serializers.ModelSerializer):
    actor = UserRefField(read_only=True, allow_null=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "at", "actor", "step_key", "scheduled_at", "note", "data"]


class DeliverySerializer(serializers.ModelSerializer):
    recipient = UserRefField(read_only=True, allow_null=True)
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


class AlertTaskSerializer(serializers.ModelSerializer):
    """The tasks made from an alert, as the alert shows them."""

    title = serializers.SerializerMethodField()
    assignee_user = UserRefField(read_only=True, allow_null=True)
    assignee_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", "title", "status", "assignee_user", "assignee_team", "due_at"]

    def get_title(self, task: Task) -> str:
        return task.title_for(translation.get_language() or "en")


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(
        source="rule.name", default=None, read_only=True, allow_null=True
    )
    tasks = AlertTaskSerializer(many=True, read_only=True)
    open_task = serializers.SerializerMethodField()
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


class AlertNoteOutSerializer(serializers.ModelSerializer):
    author = UserRefField(read_only=True, allow_null=True)

    class Meta:
        model = AlertNote
        fields = ["id", "author", "text", "created_at"]


class AlertDetailSerializer(AlertSerializer):
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    notes = AlertNoteOutSerializer(many=True, read_only=True)
    incident_points = serializers.SerializerMethodField()
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
            "notes",
            "incident_points",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_incident_points(self, alert: Alert) -> list[dict]:
        """The related incidents to draw on the map (``[{id, lat, lon, severity}]``)."""
        return alert_incident_points(alert=alert)


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
