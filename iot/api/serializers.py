from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from iot.models import Candidate, Device, Event
from iot.selectors import device_health


class DeviceSerializer(serializers.ModelSerializer):
    lon = serializers.FloatField(source="geom.x", read_only=True)
    lat = serializers.FloatField(source="geom.y", read_only=True)
    health = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = [
            "id",
            "kind",
            "agency",
            "external_id",
            "name",
            "lon",
            "lat",
            "heading",
            "field_of_view",
            "region",
            "status",
            "health",
            "heartbeat_seconds",
            "last_seen_at",
            "silent_since",
            "rate_flagged_at",
            "events_accepted",
            "events_duplicate",
            "events_rejected",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(["disabled", "silent", "flooding", "ok", "never"]))
    def get_health(self, device: Device) -> str:
        return device_health(device)


class EventSerializer(serializers.ModelSerializer):
    lon = serializers.FloatField(source="geom.x", read_only=True)
    lat = serializers.FloatField(source="geom.y", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "device",
            "uid",
            "type",
            "occurred_at",
            "received_at",
            "lon",
            "lat",
            "confidence",
            "payload",
            "media_ref",
            "door",
            "candidate",
            "device_name",
        ]
        read_only_fields = fields

    device_name = serializers.CharField(source="device", read_only=True)


class CandidateSerializer(serializers.ModelSerializer):
    lon = serializers.FloatField(source="geom.x", read_only=True)
    lat = serializers.FloatField(source="geom.y", read_only=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "group",
            "lon",
            "lat",
            "started_at",
            "last_at",
            "event_count",
            "devices",
            "confidence",
            "status",
            "incident",
        ]
        read_only_fields = fields


class EventInSerializer(serializers.Serializer):
    """The HTTPS door's body: a batch of events (each checked by the shared validation)."""

    events = serializers.ListField(child=serializers.DictField(), min_length=1)


class OutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(["stored", "duplicate", "rejected"])
    reasons = serializers.ListField(child=serializers.DictField())


class IngestOutSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = OutcomeSerializer(many=True)


class DeviceStatsSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    silent_since = serializers.DateTimeField(allow_null=True)
    rate_flagged_at = serializers.DateTimeField(allow_null=True)
    last_24h = serializers.DictField(child=serializers.IntegerField())
    last_7d = serializers.DictField(child=serializers.IntegerField())
    recent_rejections = serializers.ListField(child=serializers.DictField())


class DeviceFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = serializers.ListField(child=serializers.DictField())


class CandidateEvidenceSerializer(serializers.Serializer):
    """A candidate with the events it holds (its evidence)."""

    candidate = CandidateSerializer()
    events = EventSerializer(many=True)
    truncated = serializers.BooleanField()


class SensorAnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=90, default=7)


class GroupNoiseSerializer(serializers.Serializer):
    group = serializers.CharField()
    events = serializers.IntegerField()
    candidates = serializers.IntegerField()
    incidents = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True)


class TypeNoiseSerializer(serializers.Serializer):
    type = serializers.CharField()
    events = serializers.IntegerField()
    incidents = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True)


class DeviceProblemSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    rejected = serializers.IntegerField()
    rejected_total = serializers.IntegerField()
    rate_flagged_at = serializers.DateTimeField(allow_null=True)


class SensorAnalyticsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    groups = GroupNoiseSerializer(many=True)
    types = TypeNoiseSerializer(many=True)
    devices = DeviceProblemSerializer(many=True)
