import django_filters

from patrol.models import PatrolPlace, Plan, PlanItem, Shift, Visit


class PlanFilterSet(django_filters.FilterSet):
    class Meta:
        model = Plan
        fields = ["status", "profile"]


class PlanItemFilterSet(django_filters.FilterSet):
    class Meta:
        model = PlanItem
        fields = ["plan", "unit"]


class ShiftFilterSet(django_filters.FilterSet):
    class Meta:
        model = Shift
        fields = ["unit"]


class PlaceFilterSet(django_filters.FilterSet):
    class Meta:
        model = PatrolPlace
        fields = ["profile", "region"]


class VisitFilterSet(django_filters.FilterSet):
    class Meta:
        model = Visit
        fields = ["unit", "place", "item"]
