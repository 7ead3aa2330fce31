"""Admin for rules, alerts (read-mostly), deliveries, teams, tasks and policy versions."""

from django import forms
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
from commands.services.field_tasks import (
    task_add_update,
    task_assign,
    task_create,
    task_move_check,
    task_update,
)
from khareetaty.audit.admin import AuditedModelAdmin
from khareetaty.exceptions import ApplicationError


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
    fields = [
        "recipient",
        "channel",
        "status",
        "hold_until",
        "attempts",
        "provider_id",
        "last_error",
        "sent_at",
    ]
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
    """The task's timeline, read only: reports are added through the task's status and note
    fields (``task_add_update``), like the API's."""

    model = TaskUpdate
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "kind", "status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TaskAdminForm(forms.ModelForm):
    """A status change is checked by the services' own rule (``task_move_check``) so a
    refused move is a form error, not a failed save."""

    note = forms.CharField(
        label=_("Note for the timeline"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Task
        fields = [
            "title",
            "description",
            "priority",
            "status",
            "due_at",
            "alert",
            "incident",
            "region",
            "geom",
            "assignee_user",
            "assignee_team",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        status = cleaned.get("status")
        stored = Task.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        if stored is not None and status and status != stored.status:
            try:
                task_move_check(task=stored, status=status, actor=self.actor)
            except ApplicationError as exc:
                self.add_error("status", exc.message)
        return cleaned

    def _post_clean(self) -> None:
        """The services validate and save; the instance is not changed behind them."""


@admin.register(Task)
class TaskAdmin(AuditedModelAdmin):
    """Every write goes through ``commands.services.field_tasks`` like the API's: allowed
    moves, ``completed_at``, the timeline, the alert link, live events and the audit."""

    form = TaskAdminForm
    list_display = ["title", "priority", "status", "assignee_user", "assignee_team", "due_at"]
    list_filter = ["status", "priority", "assignee_team"]
    search_fields = ["title", "description"]
    raw_id_fields = ["alert", "incident", "overdue_alert"]
    inlines = [TaskUpdateInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["alert", "incident"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            created = task_create(
                actor=request.user,
                title=data["title"],
                description=data.get("description") or "",
                priority=data.get("priority"),
                geom=data.get("geom"),
                due_at=data.get("due_at"),
                alert=data.get("alert"),
                incident_id=getattr(data.get("incident"), "pk", None),
                region_id=getattr(data.get("region"), "pk", None),
                assignee_user=data.get("assignee_user"),
                assignee_team=data.get("assignee_team"),
            )
            obj.pk = created.pk
            return
        self._save_changes(request, Task.objects.get(pk=obj.pk), form)

    def _save_changes(self, request, task: Task, form) -> None:
        data, changed = form.cleaned_data, set(form.changed_data)
        edits = {
            name: data[name] for name in ("title", "description", "priority", "geom", "due_at")
        }
        edits["region_id"] = getattr(data.get("region"), "pk", None)
        edits = {
            name: value for name, value in edits.items() if name.removesuffix("_id") in changed
        }
        if edits:
            task = task_update(task=task, actor=request.user, **edits)
        if changed & {"assignee_user", "assignee_team"}:
            task = task_assign(
                task=task,
                actor=request.user,
                assignee_user=data.get("assignee_user"),
                assignee_team=data.get("assignee_team"),
            )
        if "status" in changed or data.get("note"):
            status = data["status"] if data["status"] != task.status else ""
            task_add_update(task=task, actor=request.user, status=status, note=data.get("note", ""))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a task is cancelled, like through the API; its timeline is evidence

    # The services audit each write; the admin's own history is kept, not audited twice.
    def log_addition(self, request, obj, message):
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request, obj, message):
        return admin.ModelAdmin.log_change(self, request, obj, message)


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
