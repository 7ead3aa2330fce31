import contextlib
import json
from collections.abc import Iterable
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from incidents.choices import IncidentStatus
from incidents.models import TIME_FEATURES, Category, Incident, IngestBatch, Region


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON geometry (WGS 84 lon/lat)",
        "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}},
    }
)
class GeoJSONTextField(GeometryField):
    """GeoJSON produced by the database (``AsGeoJSON``), passed through as is."""

    def to_representation(self, value):
        return json.loads(value) if isinstance(value, str) else super().to_representation(value)


class IncidentSerializer(GeoFeatureModelSerializer):
    """An incident as a GeoJSON Feature (times in the deployment's time zone)."""

    # Named after the model field so the OpenAPI schema describes it; rendered as "geometry".
    geom = GeoJSONTextField(source="geometry_json", read_only=True)
    category = serializers.CharField(source="category.code")
    category_name_en = serializers.CharField(source="category.name_en")
    category_name_ar = serializers.CharField(source="category.name_ar")
    region = serializers.CharField(source="region.code", default=None, allow_null=True)
    region_name_en = serializers.CharField(source="region.name_en", default=None, allow_null=True)
    region_name_ar = serializers.CharField(source="region.name_ar", default=None, allow_null=True)

    class Meta:
        model = Incident
        geo_field = "geom"
        fields = [
            "id",
            "source",
            "external_id",
            "category",
            "category_name_en",
            "category_name_ar",
            "occurred_at",
            "reported_at",
            "region",
            "region_name_en",
            "region_name_ar",
            "area",
            "block",
            "severity",
            "status",
            "channel",
            "description",
            *TIME_FEATURES,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@cache
def incident_feature_columns() -> tuple[str, ...]:
    """The ``values()`` columns ``incident_features`` reads: each field's source, with the
    relations spelled as lookups (``category.code`` → ``category__code``)."""
    return tuple(field.source.replace(".", "__") for field in IncidentSerializer().fields.values())


def incident_features(rows: Iterable[dict]) -> list[dict]:
    """``IncidentSerializer(many=True).data`` for rows of ``queryset.values(*incident_feature_
    columns())``: the same Features, each value rendered by the serializer's own field, but
    without building model instances, reading geometries into GEOS or looking the time zone up
    per value (the incident list's cost was mostly that)."""
    serializer = IncidentSerializer()
    zone = timezone.get_current_timezone()
    properties = []
    for name, field in serializer.fields.items():
        if name in ("id", "geom") or field.write_only:
            continue
        if isinstance(field, serializers.DateTimeField):
            field.timezone = zone  # what the field looks up per value, once per list
        properties.append((name, field.source.replace(".", "__"), field.to_representation))
    geometry = serializer.fields["geom"].to_representation
    return [
        {
            "id": row["id"],
            "type": "Feature",
            "geometry": geometry(row["geometry_json"]),
            "properties": {
                name: None if row[key] is None else render(row[key])
                for name, key, render in properties
            },
        }
        for row in rows
    ]


class _IncidentFieldsInput(serializers.Serializer):
    """Documents the fields; the ingest rules (``validate_record``) judge the values, so the
    API gives exactly the errors a file would, every one at once, keyed by field."""

    category = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Required. A category code or a label the profile maps."),
    )
    occurred_at = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Required. ISO 8601; the profile's local time when no offset."),
    )
    reported_at = serializers.CharField(required=False, allow_blank=True)
    lon = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required. Longitude (WGS 84).")
    )
    lat = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required. Latitude (WGS 84).")
    )
    area = serializers.CharField(required=False, allow_blank=True)
    block = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.CharField(
        required=False, allow_blank=True, help_text=_("1 to 5; the category's default when empty.")
    )
    channel = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("public_report, patrol, sensor, partner (or a label the profile maps)."),
    )
    description = serializers.CharField(required=False, allow_blank=True)


class IncidentCreateSerializer(_IncidentFieldsInput):
    external_id = serializers.CharField(
        required=False, allow_blank=True, help_text=_("The source's id; derived when empty.")
    )


class IncidentUpdateSerializer(_IncidentFieldsInput):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)


class RegionSerializer(GeoFeatureModelSerializer):
    # Named after the model field so the OpenAPI schema describes it; rendered as "geometry".
    geom = GeoJSONTextField(source="geometry_json", read_only=True)

    class Meta:
        model = Region
        geo_field = "geom"
        fields = ["id", "profile", "code", "name_en", "name_ar", "updated_at"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name_en", "name_ar", "default_severity"]
        read_only_fields = fields


class BatchTraceSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)

    class Meta:
        model = IngestBatch
        fields = [
            "id",
            "source",
            "file_name",
            "file_sha256",
            "status",
            "created_by",
            "created_at",
            "finished_at",
            "received",
            "accepted",
            "duplicates",
            "rejected",
        ]
        read_only_fields = fields


class IncidentTraceSerializer(serializers.Serializer):
    """Where a dot on the map came from: its raw record, row, batch and file."""

    incident = serializers.SerializerMethodField()
    raw = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()

    def get_incident(self, incident: Incident) -> dict:
        return {"id": incident.pk, "source": incident.source, "external_id": incident.external_id}

    def get_raw(self, incident: Incident) -> dict | None:
        raw = incident.raw
        if raw is None:
            return None
        record = raw.record
        if isinstance(record, str):  # the pipeline stores the row as JSON text
            with contextlib.suppress(ValueError):
                record = json.loads(record)
        return {"id": raw.pk, "row_number": raw.row_number, "record": record}

    def get_batch(self, incident: Incident) -> dict | None:
        if incident.raw is None:
            return None
        return BatchTraceSerializer(incident.raw.batch).data


class IncidentRowSerializer(serializers.ModelSerializer):
    """One row of the dashboard's incident list: what the columns show and where it is."""

    category = serializers.CharField(source="category.code")
    category_name_en = serializers.CharField(source="category.name_en")
    category_name_ar = serializers.CharField(source="category.name_ar")
    region = serializers.CharField(source="region.code", default=None, allow_null=True)
    region_name_en = serializers.CharField(source="region.name_en", default=None, allow_null=True)
    region_name_ar = serializers.CharField(source="region.name_ar", default=None, allow_null=True)
    lon = serializers.FloatField(read_only=True)
    lat = serializers.FloatField(read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "external_id",
            "occurred_at",
            "category",
            "category_name_en",
            "category_name_ar",
            "region",
            "region_name_en",
            "region_name_ar",
            "area",
            "block",
            "severity",
            "status",
            "description",
            "lon",
            "lat",
        ]
        read_only_fields = fields


class IncidentTableQuerySerializer(serializers.Serializer):
    ordering = serializers.CharField(
        required=False,
        default="-occurred_at",
        help_text=_("occurred_at, severity, category, region, area or id; -key for descending."),
    )


class PlaceResultSerializer(serializers.Serializer):
    """One gazetteer search result: a region, an area or a block, with its bounding box."""

    kind = serializers.ChoiceField(choices=["region", "area", "block"])
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_ar = serializers.CharField()
    area_en = serializers.CharField(help_text=_("A block's area"))
    area_ar = serializers.CharField()
    region = serializers.CharField(help_text=_("Region code"))
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="west,south,east,north",
    )


class PlaceSearchSerializer(serializers.Serializer):
    results = PlaceResultSerializer(many=True)
