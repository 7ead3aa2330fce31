"""Admin for devices and their keys: changes are audited (AuditedModelAdmin); keys are
issued, rotated and revoked only through the services (each audited), the key text shown
once."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from iot.models import Device, DeviceKey
from iot.services.devices import device_key_issue, device_key_revoke
from khareetaty.audit.admin import AuditedModelAdmin


@admin.register(Device)
class DeviceAdmin(AuditedModelAdmin):
    list_display = ["__str__", "kind", "status", "region", "last_seen_at", "silent_since"]
    list_filter = ["kind", "status", "agency"]
    search_fields = ["agency", "external_id", "name"]
    readonly_fields = [
        "last_seen_at",
        "silent_since",
        "rate_flagged_at",
        "events_accepted",
        "events_duplicate",
        "events_rejected",
        "created_at",
    ]
    actions = ["issue_key"]

    @admin.action(description=_("Issue a new key (revokes the current one)"))
    def issue_key(self, request, queryset):
        for device in queryset:
            _key, text = device_key_issue(device=device, actor=request.user)
            self.message_user(
                request,
                _("New key of %(device)s (shown only now): %(key)s")
                % {"device": device, "key": text},
                messages.WARNING,
            )


@admin.register(DeviceKey)
class DeviceKeyAdmin(AuditedModelAdmin):
    list_display = ["prefix", "device", "name", "created", "revoked", "expiry_date"]
    list_filter = ["revoked"]
    search_fields = ["prefix", "device__external_id"]
    readonly_fields = ["prefix", "device", "name", "created", "revoked", "expiry_date"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # through the device's "issue a new key" action

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke (cannot be undone)"))
    def revoke(self, request, queryset):
        for key in queryset:
            device_key_revoke(key=key, actor=request.user)
