from django.contrib import admin
from django.contrib.admin import helpers

from khareetaty.audit.models import ActionLog
from khareetaty.audit.services import audit_record


class AuditedAdminMixin:
    """Each add, change, delete and bulk action of an admin also lands in the audit trail."""

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

    def response_action(self, request, queryset):
        """Bulk actions (enable/disable periodic tasks, say) change rows without ``log_change``:
        record which action ran on which rows, once it has run."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        response = super().response_action(request, queryset)
        action = request.POST.get("action", "")
        # Deletions are recorded one by one by log_deletions (after the confirmation page).
        if selected and action != "delete_selected" and action in self.get_actions(request):
            audit_record(
                action="admin_action",
                actor=request.user,
                object_type=self.model._meta.label_lower,
                summary={"action": action, "ids": selected[:1000]},
            )
        return response


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Base for every admin of the project."""


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
