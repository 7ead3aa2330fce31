"""Admin for agencies, service accounts, keys, sharing rules, feeds (through the services),
and the request log, share record and webhook subscriptions (read-only, searchable). Superadmins only (the site)."""

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import APIKey

from interop.models import (
    Agency,
    Feed,
    RequestLog,
    ServiceAccount,
    ServiceAccountKey,
    ShareRecord,
    SharingRule,
    WebhookSubscription,
)
from interop.selectors import feed_status
from interop.services import accounts
from khareetaty.audit.admin import AuditedModelAdmin

# The library's own key model is unused: interop keys belong to service accounts.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


ESTIMATE_ABOVE = 100_000  # rows: below this the exact count is cheap


def _fields(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    list_display = ["code", "name_en", "name_ar", "profile", "active"]
    search_fields = ["code", "name_en", "name_ar"]

    def save_model(self, request, obj, form, change):
        data = _fields(form, accounts.AGENCY_FIELDS)
        if change:
            accounts.agency_update(agency=obj, actor=request.user, data=data)
        else:
            created = accounts.agency_create(actor=request.user, **data)
            obj.pk = created.pk


@admin.register(ServiceAccount)
class ServiceAccountAdmin(AuditedModelAdmin):
    list_display = ["name", "agency", "rate_limit", "active"]
    list_filter = ["agency", "active"]
    search_fields = ["name", "agency__code"]
    filter_horizontal = ["regions", "categories"]

    def save_model(self, request, obj, form, change):
        data = _fields(form, accounts.ACCOUNT_FIELDS)
        if change:
            accounts.service_account_update(account=obj, actor=request.user, data=data)
        else:
            created = accounts.service_account_create(
                actor=request.user, agency=form.cleaned_data["agency"], **data
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        accounts.service_account_update(
            account=ServiceAccount.objects.get(pk=form.instance.pk),
            actor=request.user,
            data={},
            region_ids=[r.pk for r in form.cleaned_data.get("regions", [])],
            category_ids=[c.pk for c in form.cleaned_data.get("categories", [])],
        )


@admin.register(ServiceAccountKey)
class ServiceAccountKeyAdmin(AuditedModelAdmin):
    """A key is created here (shown once, in the message) and revoked by action."""

    list_display = ["prefix", "name", "service_account", "created", "expiry_date", "revoked"]
    list_filter = ["revoked", "service_account__agency"]
    search_fields = ["prefix", "name", "service_account__name"]
    fields = ["service_account", "name", "expiry_date", "prefix", "revoked", "created"]
    readonly_fields = ["prefix", "revoked", "created"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # only the name and expiry are editable, and only at creation
        key, secret = accounts.key_create(
            actor=request.user,
            account=form.cleaned_data["service_account"],
            name=form.cleaned_data["name"],
            expires_at=form.cleaned_data.get("expiry_date"),
        )
        obj.pk, obj.prefix, obj.hashed_key = key.pk, key.prefix, key.hashed_key
        obj._state.adding = False
        messages.warning(
            request, _("The key is %(key)s. Store it now: it is shown only once.") % {"key": secret}
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            accounts.key_revoke(actor=request.user, key=key)


@admin.register(SharingRule)
class SharingRuleAdmin(AuditedModelAdmin):
    list_display = ["agency", "location_rounding_m", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # every agency gets one when created

    def save_model(self, request, obj, form, change):
        accounts.sharing_rule_update(
            agency=obj.agency,
            actor=request.user,
            fields=form.cleaned_data["fields"],
            location_rounding_m=form.cleaned_data["location_rounding_m"],
        )


@admin.register(Feed)
class FeedAdmin(AuditedModelAdmin):
    list_display = ["name", "agency", "profile", "expected_cadence_minutes", "active", "lateness"]
    list_filter = ["agency", "active"]

    @admin.display(description=_("late (minutes)"))
    def lateness(self, feed: Feed) -> int:
        return feed_status(feed)["late_minutes"]

    def save_model(self, request, obj, form, change):
        data = _fields(form, accounts.FEED_FIELDS)
        if change:
            accounts.feed_update(feed=obj, actor=request.user, data=data)
        else:
            created = accounts.feed_create(
                actor=request.user, agency=form.cleaned_data["agency"], **data
            )
            obj.pk = created.pk


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EstimatedCountPaginator(Paginator):
    """The unfiltered log's size from the planner's statistics: an exact ``COUNT(*)`` over
    millions of rows would cost every page of the admin a full scan."""

    @cached_property
    def count(self) -> int:
        if not self.object_list.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [RequestLog._meta.db_table],
                )
                estimate = cursor.fetchone()[0]
            if estimate >= ESTIMATE_ABOVE:
                return estimate
        return super().count


@admin.register(RequestLog)
class RequestLogAdmin(ReadOnlyAdmin):
    paginator = EstimatedCountPaginator
    list_display = ["created_at", "method", "path", "status", "key_prefix", "service_account_id",
                    "duration_ms", "client_ip"]  # fmt: skip
    list_filter = ["status", "method"]
    search_fields = ["=key_prefix", "=request_id", "path", "=client_ip"]
    show_full_result_count = False  # no COUNT(*) over millions of rows per page


@admin.register(ShareRecord)
class ShareRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "agency", "service_account", "kind", "count"]
    list_filter = ["kind", "agency"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    """Set by the agency itself (``PUT /api/interop/v1/subscription``); its deliveries are
    ordinary deliveries (Commands → Deliveries, recipient ``interop-<agency>-<account>``)."""

    list_display = ["service_account", "events", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["service_account__name", "service_account__agency__code"]
    readonly_fields = [
        "service_account",
        "recipient",
        "events",
        "active",
        "created_at",
        "updated_at",
    ]
