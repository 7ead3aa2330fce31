"""The incident filters, used by the API, the pages and ``selectors.incident_list``.

Parameters: ``bbox=min_lon,min_lat,max_lon,max_lat`` (in ``settings.API_SRID``),
``occurred_after`` / ``occurred_before`` (ISO 8601; after is inclusive, before exclusive),
``category``, ``region``, ``status``, ``channel``, ``source`` (each one value or a
comma-separated list; categories and regions by code), ``severity`` (list) and
``severity_min``, and ``q`` (free text over description, area, block and external id).
"""

import django_filters
from django import forms
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """``?name=a,b,c``"""


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """``?name=1,2,3``"""


def parse_bbox(value: str) -> Polygon:
    """``min_lon,min_lat,max_lon,max_lat`` → a polygon in ``settings.API_SRID``."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or numbers[0] >= numbers[2] or numbers[1] >= numbers[3]:
        raise ValidationError(
            _("bbox must be min_lon,min_lat,max_lon,max_lat with min < max."), code="invalid_bbox"
        )
    polygon = Polygon.from_bbox(numbers)
    polygon.srid = settings.API_SRID
    return polygon


class BBoxField(forms.CharField):
    def clean(self, value) -> Polygon | None:
        value = super().clean(value)
        return parse_bbox(value) if value else None


class BBoxFilter(django_filters.Filter):
    field_class = BBoxField

    def filter(self, qs: QuerySet, value: Polygon | None) -> QuerySet:
        if value is None:
            return qs
        if value.srid != settings.SRID:
            value = value.transform(settings.SRID, clone=True)
        return qs.filter(geom__intersects=value)


class IncidentFilterSet(django_filters.FilterSet):
    bbox = BBoxFilter(field_name="geom", label=_("Bounding box: min_lon,min_lat,max_lon,max_lat"))
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    category = CharInFilter(field_name="category__code", lookup_expr="in")
    region = CharInFilter(field_name="region__code", lookup_expr="in")
    severity = NumberInFilter(field_name="severity", lookup_expr="in")
    severity_min = django_filters.NumberFilter(field_name="severity", lookup_expr="gte")
    status = CharInFilter(field_name="status", lookup_expr="in")
    channel = CharInFilter(field_name="channel", lookup_expr="in")
    source = CharInFilter(field_name="source", lookup_expr="in")
    q = django_filters.CharFilter(method="filter_text", label=_("Free text"))

    class Meta:
        model = Incident
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(description__icontains=text)
            | Q(area__icontains=text)
            | Q(block__iexact=text)
            | Q(external_id__iexact=text)
        )
