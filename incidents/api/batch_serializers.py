"""Serializers of the ingest-batch API."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.models import IngestBatch
from incidents.profiles import DEFAULT_PROFILE, available_profiles

MAX_API_RECORDS = 50_000


class BatchCreateInputSerializer(serializers.Serializer):
    """Either ``file`` (multipart upload: CSV, JSON or GeoJSON) or ``records`` (JSON list)."""

    profile = serializers.CharField(required=False, default=DEFAULT_PROFILE)
    file = serializers.FileField(required=False)
    records = serializers.ListField(
        child=serializers.JSONField(), required=False, max_length=MAX_API_RECORDS
    )

    def validate_profile(self, value: str) -> str:
        if value not in available_profiles():
            raise serializers.ValidationError(
                _("Unknown profile; available: %(names)s.")
                % {"names": ", ".join(available_profiles())}
            )
        return value

    def validate_file(self, value):
        limit = settings.INGEST_UPLOAD_MAX_BYTES
        if value is not None and value.size > limit:
            raise serializers.ValidationError(
                _("The file is larger than the upload limit of %(limit)d bytes.")
                % {"limit": limit},
                code="too_large",
            )
        return value

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("file")) == ("records" in attrs):
            raise serializers.ValidationError(_("Send either a file or a list of records."))
        if "records" in attrs and not attrs["records"]:
            raise serializers.ValidationError({"records": _("The list of records is empty.")})
        return attrs


class BatchOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rejected_csv = serializers.SerializerMethodField()

    class Meta:
        model = IngestBatch
        fields = [
            "id",
            "source",
            "file_name",
            "file_sha256",
            "file_format",
            "created_by",
            "status",
            "received",
            "accepted",
            "duplicates",
            "rejected",
            "created_at",
            "started_at",
            "finished_at",
            "error_message",
            "rejected_csv",
        ]

    def get_rejected_csv(self, batch: IngestBatch) -> str | None:
        request = self.context.get("request")
        if not batch.rejected or request is None:
            return None
        return request.build_absolute_uri(f"/api/incidents/batches/{batch.pk}/rejected.csv")
