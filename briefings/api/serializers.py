import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from briefings.models import Briefing, Handover
from briefings.selectors.measures import GROUPS

MAX_SPAN = dt.timedelta(days=366)


def _period(attrs: dict, since: str, until: str) -> tuple[dt.datetime, dt.datetime]:
    start, end = attrs[since], attrs[until]
    if end <= start:
        raise serializers.ValidationError({until: _("The end must be after the start.")})
    if end - start > MAX_SPAN:
        raise serializers.ValidationError({until: _("A period can span at most 366 days.")})
    return start, end


class MeasuresQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    by = serializers.ChoiceField(choices=list(GROUPS), default="all")

    def validate(self, attrs):
        attrs.setdefault("until", timezone.now())
        attrs.setdefault("since", attrs["until"] - dt.timedelta(days=30))
        attrs["period"] = _period(attrs, "since", "until")
        return attrs


class CompareQuerySerializer(serializers.Serializer):
    first_since = serializers.DateTimeField()
    first_until = serializers.DateTimeField()
    second_since = serializers.DateTimeField()
    second_until = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=list(GROUPS), default="all")

    def validate(self, attrs):
        attrs["first"] = _period(attrs, "first_since", "first_until")
        attrs["second"] = _period(attrs, "second_since", "second_until")
        return attrs


class MeasureRowSerializer(serializers.Serializer):
    measure = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField()
    p90_seconds = serializers.FloatField()


class BriefingSerializer(serializers.ModelSerializer):
    pdf_en = serializers.SerializerMethodField()
    pdf_ar = serializers.SerializerMethodField()

    class Meta:
        model = Briefing
        fields = ["id", "profile", "day", "created_at", "emailed_to", "pdf_en", "pdf_ar"]

    def _pdf(self, obj, language: str) -> str | None:
        if not getattr(obj, f"pdf_{language}"):
            return None
        return reverse("briefings_web:briefing_pdf", args=[obj.pk, language])

    def get_pdf_en(self, obj) -> str | None:
        return self._pdf(obj, "en")

    def get_pdf_ar(self, obj) -> str | None:
        return self._pdf(obj, "ar")


class HandoverSerializer(serializers.ModelSerializer):
    outgoing = serializers.CharField(source="outgoing.username", read_only=True)
    incoming = serializers.CharField(source="incoming.username", read_only=True, default=None)

    class Meta:
        model = Handover
        fields = [
            "id",
            "shift_start",
            "shift_end",
            "summary",
            "notes",
            "outgoing",
            "signed_off_at",
            "incoming",
            "acknowledged_at",
        ]


class HandoverSignOffSerializer(serializers.Serializer):
    shift_start = serializers.DateTimeField()
    shift_end = serializers.DateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    def validate(self, attrs):
        start, end = attrs["shift_start"], attrs["shift_end"]
        if end <= start:
            raise serializers.ValidationError({"shift_end": _("The end must be after the start.")})
        if end - start > dt.timedelta(hours=24):
            raise serializers.ValidationError(
                {"shift_end": _("A shift can last at most 24 hours.")}
            )
        if end > timezone.now() + dt.timedelta(minutes=5):
            raise serializers.ValidationError({"shift_end": _("A shift cannot end in the future.")})
        return attrs
