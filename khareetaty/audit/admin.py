from django.contrib import admin

from khareetaty.audit.models import ActionLog
from khareetaty.audit.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """Base for every admin: each add, change and delete also lands in the audit trail."""

    def log_addition(self, request, obj, message):
        audit_record(action="create", actor=request.user, obj=obj, summary={"admin": message})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(action="update", actor=request.user, obj=obj, summary={"admin": message})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(action="delete", actor=request.user, obj=obj, summary={"repr": str(obj)})
        return super().log_deletions(request, queryset)


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched, never edited."""

    list_display = [
        "created_at",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "ip_address",
    ]
    list_filter = ["action", "actor_role", "object_type"]
    search_fields = ["actor_username", "object_id", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ActionLog._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
