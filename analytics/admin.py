from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from khareetaty.audit.admin import AuditedModelAdmin


class ReadOnlyAdmin(AuditedModelAdmin):
    """Analytics results are produced by runs, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModelRun)
class ModelRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "profile",
        "status",
        "trigger",
        "started_at",
        "duration_seconds",
        "parent",
    ]
    list_filter = ["kind", "status", "profile", "trigger"]
    readonly_fields = [f.name for f in ModelRun._meta.fields]


@admin.register(Hotspot)
class HotspotAdmin(ReadOnlyAdmin, GISModelAdmin):
    list_display = ["run", "rank", "region", "incident_count", "score", "trend", "runs_seen"]
    list_filter = ["trend", "region"]
    exclude = ["cells"]


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdmin):
    list_display = ["run", "region", "category", "date", "method", "yhat", "lower_80", "upper_80"]
    list_filter = ["method", "region"]


@admin.register(RiskCell)
class RiskCellAdmin(ReadOnlyAdmin, GISModelAdmin):
    list_display = ["run", "rank", "col", "row", "score", "percentile"]
