"""Admin for reference data (editable, on a map) and the ingest record (read only).

Every add, change and delete is audited (``AuditedModelAdmin``). Ingest batches, raw records
and rejected rows are evidence: they can be searched, never edited.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin

from incidents.models import (
    TIME_FEATURES,
    Category,
    Incident,
    IngestBatch,
    Place,
    Region,
    RejectedRow,
)
from incidents.services import (
    UPDATABLE_FIELDS,
    incident_check,
    incident_create,
    incident_delete,
    incident_profile_name,
    incident_update,
)
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


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdminMixin, AuditedModelAdmin):
    """Gazetteer areas and blocks (``load_gazetteer`` loads whole files; this corrects one)."""

    list_display = ["code", "name_en", "name_ar", "kind", "region", "profile", "source"]
    list_filter = ["profile", "kind", "region"]
    search_fields = ["code", "name_en", "name_ar"]
    list_select_related = ["region"]
    autocomplete_fields = ["parent"]
    ordering = ["profile", "kind", "code"]


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name_en", "name_ar", "default_severity"]
    search_fields = ["code", "name_en", "name_ar"]
    ordering = ["code"]


class IncidentAdminForm(forms.ModelForm):
    """Checks an edit with the ingest rules (``incident_check``) before the admin saves it
    through the services, and shows each error on its field."""

    class Meta:
        model = Incident
        fields = [
            "external_id",
            "category",
            "status",
            "severity",
            "channel",
            "occurred_at",
            "reported_at",
            "geom",
            "area",
            "block",
            "description",
        ]

    def canonical_record(self) -> dict:
        data = {**self.cleaned_data}
        geom = data.get("geom")
        point = geom.transform(4326, clone=True) if geom is not None else None
        return {
            "external_id": data.get("external_id") or self.instance.external_id,
            "category": data["category"].code if data.get("category") else "",
            "occurred_at": data["occurred_at"].isoformat() if data.get("occurred_at") else "",
            "reported_at": data["reported_at"].isoformat() if data.get("reported_at") else "",
            "lon": repr(point.x) if point else "",
            "lat": repr(point.y) if point else "",
            "area": data.get("area") or "",
            "block": data.get("block") or "",
            "severity": str(data["severity"]) if data.get("severity") is not None else "",
            "channel": data.get("channel") or "",
            "description": data.get("description") or "",
        }

    def _post_clean(self) -> None:
        """The ingest rules replace the model's own checks: the region and time features are
        derived by the service, so the instance is not validated half-updated."""
        if self.errors:
            return
        profile = incident_profile_name(self.instance) if self.instance.pk else None
        try:
            incident_check(record=self.canonical_record(), **_profile_kw(profile))
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                field = "geom" if name in ("lon", "lat") else name
                self.add_error(field if field in self.fields else None, errors)


def _profile_kw(profile: str | None) -> dict:
    return {"profile_name": profile} if profile else {}


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdminMixin, AuditedModelAdmin):
    """Every write goes through ``incidents.services`` like the API's: region and time
    features follow a new place or time, the record is kept raw, and the service audits."""

    form = IncidentAdminForm
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
    fieldsets = [
        (None, {"fields": ["source", "external_id", "category", "status", "severity", "channel"]}),
        (_("When"), {"fields": ["occurred_at", "reported_at"]}),
        (_("Where"), {"fields": ["geom", "region", "area", "block"]}),
        (_("Details"), {"fields": ["description", "raw"]}),
        (
            _("Derived features"),
            {"fields": list(TIME_FEATURES)},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    _derived = [
        "source",
        "raw",
        "region",
        *TIME_FEATURES,
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [*self._derived, "external_id"] if obj else self._derived

    def save_model(self, request, obj, form, change) -> None:
        record = form.canonical_record()
        if not change:
            created = incident_create(record=record, actor=request.user)
            obj.pk = created.pk
            return
        stored = Incident.objects.select_related("category").get(pk=obj.pk)
        data = {name: record[name] for name in UPDATABLE_FIELDS if name in record}
        status = form.cleaned_data.get("status")
        if status and stored.status != status:
            data["status"] = status
        incident_update(incident=stored, data=data, actor=request.user)

    def delete_model(self, request, obj) -> None:
        incident_delete(incident=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for incident in queryset:
            incident_delete(incident=incident, actor=request.user)

    # The services audit each write; the admin's own history is kept, not audited twice.
    def log_addition(self, request, obj, message):
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request, obj, message):
        return admin.ModelAdmin.log_change(self, request, obj, message)

    def log_deletions(self, request, queryset):
        return admin.ModelAdmin.log_deletions(self, request, queryset)


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
