from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from khareetaty.accounts.models import User
from khareetaty.accounts.services import user_set_active, user_set_role, user_tokens_revoke
from khareetaty.audit.admin import AuditedAdminMixin, AuditedModelAdmin


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
        """Role and activation go through services, so staff flags, groups, token revocation
        and the audit stay in step."""
        new_role, new_active = obj.role, obj.is_active
        if change:
            stored = User.objects.only("role", "is_active").get(pk=obj.pk)
            obj.role, obj.is_active = stored.role, stored.is_active
        super().save_model(request, obj, form, change)
        user_set_role(user=obj, role=new_role, actor=request.user)
        user_set_active(user=obj, is_active=new_active, actor=request.user)

    def log_change(self, request, obj, message):
        """The admin's password form saves the user itself; its change ends every token."""
        result = super().log_change(request, obj, message)
        if _password_changed(message):
            user_tokens_revoke(user=obj, reason="password_change", actor=request.user)
        return result


def _password_changed(message) -> bool:
    """True for the change message of the admin's password form (``changed: ["password"]``)."""
    if not isinstance(message, list):
        return False
    return any("password" in entry.get("changed", {}).get("fields", []) for entry in message)


class AuthenticatorAdmin(AuditedAdminMixin, TOTPDeviceAdmin):
    """Authenticator devices without django-otp's key and QR pages: a secret is shown once,
    to its owner, at enrolment (``/accounts/2fa/``), never to another admin."""

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuthenticatorAdmin)
