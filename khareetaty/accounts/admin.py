from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from khareetaty.accounts.models import User
from khareetaty.accounts.services import user_set_role
from khareetaty.audit.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "get_full_name",
        "role",
        "phone_number",
        "preferred_language",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "preferred_language"]
    search_fields = ["username", "first_name", "last_name", "email", "phone_number"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "phone_number")}),
        (_("Role"), {"fields": ("role", "is_active")}),
        (
            _("Notifications"),
            {
                "fields": (
                    "preferred_language",
                    "notification_channels",
                    "quiet_hours_start",
                    "quiet_hours_end",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        """Roles go through the service so staff flags, groups and the audit stay in step."""
        new_role = obj.role
        if change:
            obj.role = User.objects.only("role").get(pk=obj.pk).role
        super().save_model(request, obj, form, change)
        user_set_role(user=obj, role=new_role, actor=request.user)
