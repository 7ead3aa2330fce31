"""Inputs of the dashboard and the escalation policy views."""

from rest_framework import serializers

from commands.selectors import DashboardScope, profile_regions
from commands.selectors.maplayer import PERIODS
from incidents.models import Category


class _CodeOrIdField(serializers.CharField):
    """A region or category given by code (``hawalli``) or by id (``3``)."""


class DashboardFilterInput(serializers.Serializer):
    """The dashboard's filter bar, as the KPIs take it: the same ``region`` and
    ``category`` (codes or ids, repeatable) and ``period`` as the page and the lists."""

    region = serializers.ListField(child=_CodeOrIdField(max_length=100), required=False)
    category = serializers.ListField(child=_CodeOrIdField(max_length=100), required=False)
    period = serializers.ChoiceField(choices=list(PERIODS), required=False, allow_blank=True)

    @staticmethod
    def _ids(values: list[str], queryset, field: str) -> tuple[int, ...]:
        wanted_ids = {int(v) for v in values if v.isascii() and v.isdigit()}
        codes = {v for v in values if not (v.isascii() and v.isdigit())}
        rows = dict(queryset.filter(code__in=codes).values_list("code", "pk"))
        known_ids = set(queryset.filter(pk__in=wanted_ids).values_list("pk", flat=True))
        unknown = sorted((codes - set(rows)) | {str(i) for i in wanted_ids - known_ids})
        if unknown:
            raise serializers.ValidationError({field: f"Unknown: {', '.join(unknown)}."})
        return tuple(sorted(set(rows.values()) | known_ids))

    def scope(self, *, now) -> DashboardScope:
        data = self.validated_data
        period = data.get("period") or ""
        length = PERIODS.get(period)
        return DashboardScope(
            region_ids=self._ids(data.get("region", []), profile_regions(), "region"),
            category_ids=self._ids(data.get("category", []), Category.objects.all(), "category"),
            period=period,
            since=now - length if length else None,
        )


class PolicyValidateInput(serializers.Serializer):
    content = serializers.CharField(
        required=False, help_text="YAML to check; omit to check the file."
    )
