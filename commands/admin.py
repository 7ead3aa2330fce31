"""Admin for rules, alerts (read-mostly), deliveries, teams, tasks and policy versions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from commands.models import (
    Alert,
    AlertEvent,
    AlertRule,
    Delivery,
    EscalationPolicyVersion,
    Task,
    TaskUpdate,
    Team,
)
from commands.policy import PolicyInvalid, policy_reload
from khareetaty.audit.admin import AuditedModelAdmin


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "severity", "cooldown_minutes", "is_active", "suppressed_until"]
    list_filter = ["kind", "severity", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["regions", "categories"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "step_key", "scheduled_at", "note", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["recipient", "channel", "status", "attempts", "provider_id", "last_error", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(AuditedModelAdmin):
    """Alerts change through the API's audited actions; the admin only shows them."""

    list_display = ["id", "severity", "status", "title_en", "count", "short_code", "last_seen_at"]
    list_filter = ["status", "severity", "source"]
    search_fields = ["title_en", "title_ar", "dedup_key"]
    date_hierarchy = "first_seen_at"
    inlines = [AlertEventInline, DeliveryInline]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(AuditedModelAdmin):
    list_display = ["uuid", "alert", "recipient", "channel", "status", "attempts", "queued_at"]
    list_filter = ["status", "channel"]
    search_fields = ["uuid", "provider_id", "recipient__username"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    """Teams are escalation recipients (``team:<code>`` in the policy) and task assignees."""

    list_display = ["slug", "name_en", "name_ar", "region", "is_active"]
    search_fields = ["slug", "name_en", "name_ar"]
    filter_horizontal = ["members"]


class TaskUpdateInline(admin.TabularInline):
    model = TaskUpdate
    extra = 0
    fields = ["created_at", "author", "status", "note"]
    readonly_fields = ["created_at", "author"]


@admin.register(Task)
class TaskAdmin(AuditedModelAdmin):
    list_display = ["title", "priority", "status", "assignee_user", "assignee_team", "due_at"]
    list_filter = ["status", "priority", "assignee_team"]
    search_fields = ["title", "description"]
    raw_id_fields = ["alert", "incident", "overdue_alert"]
    inlines = [TaskUpdateInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for update in formset.save(commit=False):
            update.author = update.author or request.user
            update.save()
        formset.save_m2m()


@admin.register(EscalationPolicyVersion)
class EscalationPolicyVersionAdmin(AuditedModelAdmin):
    list_display = ["id", "sha256", "source", "loaded_at", "loaded_by"]
    readonly_fields = [f.name for f in EscalationPolicyVersion._meta.fields]
    actions = ["reload_from_file"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Reload the policy file"))
    def reload_from_file(self, request, queryset):
        try:
            version = policy_reload(actor=request.user)
        except PolicyInvalid as exc:
            for error in exc.errors:
                self.message_user(
                    request, f"line {error.line} {error.field}: {error.message}", level="error"
                )
            return
        self.message_user(request, _("Loaded policy version %s.") % version.pk)
