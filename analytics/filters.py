"""FilterSets of the analytics app, shared by the API and the pages."""

import django_filters

from analytics.choices import HotspotTrend
from analytics.models import Forecast, Hotspot, RiskCell
from incidents.models import Category, Region


class HotspotFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), field_name="region")
    region_code = django_filters.CharFilter(field_name="region__code")
    trend = django_filters.MultipleChoiceFilter(choices=HotspotTrend.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Hotspot
        fields = ["region", "region_code", "trend", "min_score"]


class ForecastFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), field_name="region")
    region_code = django_filters.CharFilter(field_name="region__code")
    national = django_filters.BooleanFilter(field_name="region", lookup_expr="isnull")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), field_name="category", to_field_name="code"
    )
    all_categories = django_filters.BooleanFilter(field_name="category", lookup_expr="isnull")

    class Meta:
        model = Forecast
        fields = ["region", "region_code", "national", "category", "all_categories"]


class RiskCellFilterSet(django_filters.FilterSet):
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    top = django_filters.NumberFilter(field_name="rank", lookup_expr="lte")

    class Meta:
        model = RiskCell
        fields = ["min_score", "top"]
