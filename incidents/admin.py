"""Admin for reference data (editable, on a map) and the ingest record (read only).

Every add, change and delete is audited (``AuditedModelAdmin``). Ingest batches, raw records
and rejected rows are evidence: they can be searched, never edited.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin

from incidents.models import Category, Incident, IngestBatch, Region, RejectedRow
from khareetaty.audit.admin import AuditedModelAdmin


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(LeafletGeoAdminMixin, AuditedModelAdmin):
    list_display = ["code", "name_en", "name_ar", "profile", "updated_at"]
    list_filter = ["profile"]
    search_fields = ["code", "name_en", "name_ar"]
    ordering = ["profile", "code"]


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name_en", "name_ar", "default_severity"]
    search_fields = ["code", "name_en", "name_ar"]
    ordering = ["code"]


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdminMixin, AuditedModelAdmin):
    list_display = [
        "external_id",
        "source",
        "category",
        "occurred_at",
        "region",
        "area",
        "severity",
        "status",
        "channel",
    ]
    list_filter = ["status", "channel", "severity", "category", "region", "source", "is_weekend"]
    search_fields = ["external_id", "description", "area", "block"]
    date_hierarchy = "occurred_at"
    list_select_related = ["category", "region"]
    raw_id_fields = ["raw"]
    show_full_result_count = False  # counting millions of rows on every page is slow
    readonly_fields = [
        "source",
        "external_id",
        "raw",
        "region",
        "local_hour",
        "weekday",
        "is_weekend",
        "is_night",
        "is_holiday",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["source", "external_id", "category", "status", "severity", "channel"]}),
        (_("When"), {"fields": ["occurred_at", "reported_at"]}),
        (_("Where"), {"fields": ["geom", "region", "area", "block"]}),
        (_("Details"), {"fields": ["description", "raw"]}),
        (
            _("Derived features"),
            {"fields": ["local_hour", "weekday", "is_weekend", "is_night", "is_holiday"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = [
        "id",
        "source",
        "file_name",
        "status",
        "received",
        "accepted",
        "duplicates",
        "rejected",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "source"]
    search_fields = ["file_name", "file_sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]


@admin.register(RejectedRow)
class RejectedRowAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["batch", "row_number", "error_summary"]
    list_filter = ["batch__source"]
    search_fields = ["=batch__id"]
    list_select_related = ["batch"]
    show_full_result_count = False

    @admin.display(description=_("errors"))
    def error_summary(self, obj: RejectedRow) -> str:
        return "; ".join(f"{e.get('field')}: {e.get('code')}" for e in obj.errors or [])
