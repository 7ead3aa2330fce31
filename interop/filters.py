"""Filters of the interop app (the request-log search of the API and the admin)."""

import django_filters

from interop.models import RequestLog


class RequestLogFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = RequestLog
        fields = ["service_account", "key_prefix", "status", "method", "request_id"]
