"""Serializers of the interop API: the partner endpoints (v1) and superadmin management."""

from django.conf import settings
from rest_framework import serializers

from interop.choices import Scope, SharedField
from interop.models import (
    Agency,
    Feed,
    RequestLog,
    ServiceAccount,
    ServiceAccountKey,
    ShareRecord,
    SharingRule,
)
from interop.selectors import feed_status

# --- v1 (partners) ----------------------------------------------------------------------------


class PullQuerySerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only records changed after this instant (ISO 8601)."
    )
    cursor = serializers.CharField(
        required=False, max_length=200, help_text="``next_cursor`` of the previous page."
    )
    limit = serializers.IntegerField(required=False, min_value=1, default=100)

    def validate_limit(self, value: int) -> int:
        return min(value, settings.INTEROP_PAGE_MAX)


class FeatureSerializer(serializers.Serializer):
    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = serializers.JSONField(allow_null=True, help_text="A Point, rounded; or null.")
    properties = serializers.JSONField(help_text="Only the fields the sharing rule allows.")


class FeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField(default="FeatureCollection")
    features = FeatureSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="Null on the last page.")
    sync_cursor = serializers.CharField(
        allow_null=True, help_text="Resume here later to receive only what changed."
    )


class PushSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text="Records in the agency's source-profile columns (at most "
        "INTEROP_PUSH_MAX_RECORDS, default 1000).",
    )
    feed = serializers.CharField(required=False, max_length=100)

    def validate_records(self, value: list) -> list:
        if len(value) > settings.INTEROP_PUSH_MAX_RECORDS:
            raise serializers.ValidationError(
                f"At most {settings.INTEROP_PUSH_MAX_RECORDS} records per push."
            )
        return value


class PushResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    id = serializers.IntegerField(required=False, allow_null=True)
    errors = serializers.ListField(child=serializers.DictField(), required=False)


class PushOutputSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = PushResultSerializer(many=True)


class CallerSerializer(serializers.Serializer):
    agency = serializers.CharField()
    account = serializers.CharField()
    key_prefix = serializers.CharField()
    key_expires = serializers.DateTimeField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
    rate_limit_per_minute = serializers.IntegerField()
    push_max_records = serializers.IntegerField()
    page_max = serializers.IntegerField()
    regions = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    shared_fields = serializers.ListField(child=serializers.CharField())
    location_rounding_m = serializers.IntegerField(allow_null=True)


# --- management (superadmins) -----------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name_en", "name_ar", "contact", "active", "profile", "created_at"]
        read_only_fields = ["id", "created_at"]


class ServiceAccountSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices))
    ip_allowlist = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    region_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    category_ids = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        model = ServiceAccount
        fields = [
            "id", "agency", "name", "scopes", "region_ids", "category_ids", "rate_limit",
            "ip_allowlist", "active", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["region_ids"] = sorted(r.pk for r in instance.regions.all())
        data["category_ids"] = sorted(c.pk for c in instance.categories.all())
        return data


class KeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceAccountKey
        fields = [
            "prefix", "name", "service_account", "created", "expiry_date", "revoked",
            "last_used_at",
        ]  # fmt: skip
        read_only_fields = fields


class KeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    expiry_date = serializers.DateTimeField(required=False, allow_null=True)


class KeyCreatedSerializer(KeySerializer):
    key = serializers.CharField(help_text="Shown once: it is not stored and cannot be shown again.")

    class Meta(KeySerializer.Meta):
        fields = [*KeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class SharingRuleSerializer(serializers.ModelSerializer):
    fields = serializers.ListField(child=serializers.ChoiceField(choices=SharedField.choices))

    class Meta:
        model = SharingRule
        fields = ["id", "agency", "fields", "location_rounding_m", "updated_at"]
        read_only_fields = ["id", "agency", "updated_at"]


class FeedSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Feed
        fields = [
            "id", "agency", "name", "profile", "expected_cadence_minutes", "active",
            "created_at", "status",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "status"]

    def get_status(self, feed: Feed) -> dict:
        return feed_status(feed)


class RequestLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestLog
        fields = [
            "id", "service_account", "key_prefix", "method", "path", "status", "bytes_in",
            "bytes_out", "duration_ms", "request_id", "client_ip", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ShareRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShareRecord
        fields = [
            "id", "agency", "service_account", "kind", "count", "object_ids", "fields",
            "request_id", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
