"""One FilterSet per model, shared by the API, the pages and selectors."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from commands.choices import OPEN_TASK_STATUSES
from commands.models import Alert, AlertRule, Task
from commands.selectors.maplayer import PERIODS
from incidents.models import Category, Region


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Alert._meta.get_field("status").choices)
    severity = django_filters.MultipleChoiceFilter(
        choices=Alert._meta.get_field("severity").choices
    )
    since = django_filters.IsoDateTimeFilter(field_name="last_seen_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="last_seen_at", lookup_expr="lt")
    active = django_filters.BooleanFilter(method="filter_active")
    # The dashboard's filter bar: repeatable region/category ids, and the period (last seen).
    region = django_filters.ModelMultipleChoiceFilter(queryset=Region.objects.all())
    category = django_filters.ModelMultipleChoiceFilter(queryset=Category.objects.all())
    period = django_filters.ChoiceFilter(
        choices=[(key, key) for key in PERIODS], method="filter_period"
    )

    class Meta:
        model = Alert
        fields = ["status", "severity", "source", "rule", "region", "category"]

    def filter_period(self, queryset, name, value):
        length = PERIODS.get(value)
        return queryset.filter(last_seen_at__gte=timezone.now() - length) if length else queryset

    def filter_active(self, queryset, name, value):
        active = Q(status__in=["open", "acknowledged"])
        return queryset.filter(active) if value else queryset.exclude(active)


class AlertRuleFilterSet(django_filters.FilterSet):
    class Meta:
        model = AlertRule
        fields = ["kind", "severity", "is_active"]


class TaskFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Task._meta.get_field("status").choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    region = django_filters.ModelMultipleChoiceFilter(queryset=Region.objects.all())

    class Meta:
        model = Task
        fields = ["status", "priority", "assignee_user", "assignee_team", "alert", "region"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_TASK_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
