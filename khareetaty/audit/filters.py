import django_filters

from khareetaty.audit.models import ActionLog


class ActionLogFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ActionLog
        fields = ["action", "actor", "object_type", "object_id"]
