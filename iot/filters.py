"""FilterSets of the iot API (devices, events, candidates)."""

from datetime import timedelta

import django_filters
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.utils import timezone

from iot.choices import DeviceKind, DeviceStatus, EventType
from iot.models import Candidate, Device, Event

# A bbox larger than this (degrees of lon x lat) is refused: Kuwait is about 1.9 x 1.6.
BBOX_MAX_AREA = 25.0
# Events are read newest first within a time window (partition pruning): 7 days at most.
EVENT_WINDOW_MAX = timedelta(days=7)


def bbox_filter(queryset, name, value):
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise ValidationError("bbox is west,south,east,north in degrees.") from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError("bbox must be west,south,east,north with west < east, south < north.")
    if (east - west) * (north - south) > BBOX_MAX_AREA:
        raise ValidationError("bbox is too large.")
    return queryset.filter(**{f"{name}__within": Polygon.from_bbox((west, south, east, north))})


class DeviceFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DeviceKind.choices)
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices)
    agency = django_filters.CharFilter()
    region = django_filters.NumberFilter(field_name="region_id")
    silent = django_filters.BooleanFilter(
        field_name="silent_since", lookup_expr="isnull", exclude=True
    )
    bbox = django_filters.CharFilter(field_name="geom", method="filter_bbox")

    class Meta:
        model = Device
        fields = ["kind", "status", "agency", "region", "silent", "bbox"]

    def filter_bbox(self, queryset, name, value):
        return bbox_filter(queryset, name, value)


class EventFilterSet(django_filters.FilterSet):
    device = django_filters.NumberFilter(field_name="device_id")
    type = django_filters.ChoiceFilter(choices=EventType.choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    candidate = django_filters.NumberFilter(field_name="candidate_id")
    bbox = django_filters.CharFilter(field_name="geom", method="filter_bbox")

    class Meta:
        model = Event
        fields = ["device", "type", "since", "until", "candidate", "bbox"]

    def filter_bbox(self, queryset, name, value):
        return bbox_filter(queryset, name, value)

    def filter_queryset(self, queryset):
        """A window of at most seven days, ending now unless ``until`` says otherwise."""
        data = self.form.cleaned_data
        until = data.get("until") or timezone.now()
        since = data.get("since") or until - timedelta(days=1)
        if until - since > EVENT_WINDOW_MAX:
            raise ValidationError("since..until spans at most 7 days.")
        queryset = queryset.filter(occurred_at__gte=since, occurred_at__lt=until)
        return super().filter_queryset(queryset)


class CandidateFilterSet(django_filters.FilterSet):
    group = django_filters.CharFilter()
    status = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="last_at", lookup_expr="gte")

    class Meta:
        model = Candidate
        fields = ["group", "status", "since"]
