"""The incident filters, used by the API, the pages and ``selectors.incident_list``.

Parameters: ``bbox=min_lon,min_lat,max_lon,max_lat`` (in ``settings.API_SRID``),
``occurred_after`` / ``occurred_before`` (ISO 8601; after is inclusive, before exclusive),
``category``, ``region``, ``status``, ``channel``, ``source`` (each one value or a
comma-separated list; categories and regions by code), ``severity`` (list) and
``severity_min``, and ``q``: an incident id (``123`` or ``#123``) or a full-text search in
English and Arabic over description, area, block and external id (``incidents.search``).
"""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from incidents.gis import bbox_parse
from incidents.models import Incident
from incidents.search import search_condition

MAX_QUERY_LENGTH = 200
MAX_ID = 2**63 - 1


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """``?name=a,b,c``"""


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """``?name=1,2,3``"""


def parse_bbox(value: str) -> Polygon:
    """``min_lon,min_lat,max_lon,max_lat`` → a polygon in ``settings.API_SRID``."""
    polygon = Polygon.from_bbox(bbox_parse(value))
    polygon.srid = settings.API_SRID
    return polygon


# PostgreSQL holds time-zone offsets up to ±15:59; Python's datetime holds years 1 to 9999.
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)


def instant_check(value: dt.datetime) -> dt.datetime:
    """``value`` if the database can compare with it; ``ValidationError`` otherwise."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError(
            _("The time-zone offset must be within ±15:59."), code="invalid_offset"
        )
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError(_("The time is out of range."), code="out_of_range") from None
    return value


def instant_parse(text: str) -> dt.datetime:
    """An ISO 8601 time as the API hands it out (a cursor position), checked."""
    try:
        value = parse_datetime(text.strip())
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(_("Not a valid time."), code="invalid")
    return instant_check(value)


class InstantField(IsoDateTimeField):
    def clean(self, value) -> dt.datetime | None:
        value = super().clean(value)
        return None if value is None else instant_check(value)


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


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
    occurred_after = InstantFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = InstantFilter(field_name="occurred_at", lookup_expr="lt")
    category = CharInFilter(field_name="category__code", lookup_expr="in")
    region = CharInFilter(field_name="region__code", lookup_expr="in")
    severity = NumberInFilter(field_name="severity", lookup_expr="in")
    severity_min = django_filters.NumberFilter(field_name="severity", lookup_expr="gte")
    status = CharInFilter(field_name="status", lookup_expr="in")
    channel = CharInFilter(field_name="channel", lookup_expr="in")
    source = CharInFilter(field_name="source", lookup_expr="in")
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_QUERY_LENGTH,
        label=_("Search: an incident id, or words in English or Arabic"),
    )

    class Meta:
        model = Incident
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """An id (``123``, ``#123``) or words: English and Arabic full-text search."""
        text = value.strip()
        if not text:
            return queryset
        condition = search_condition(text)
        number = text.removeprefix("#")
        if number.isdigit() and int(number) <= MAX_ID:
            condition |= Q(pk=int(number))
        return queryset.filter(condition)
