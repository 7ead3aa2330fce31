"""The dashboard's deeper alert and rule actions, mixed into ``AlertViewSet`` and
``AlertRuleViewSet``: notes, grouped lists and bulk acknowledgement of alerts; the rule
form's schema (generated from the rule-kind registry) and the rule preview."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from commands.api.serializers import AlertSerializer
from commands.api.serializers.alerts import AlertNoteOutSerializer as AlertNoteSerializer
from commands.choices import AckVia, Severity
from commands.permissions import ANALYSTS_AND_FIELD
from commands.rulekinds import Param, rule_kinds
from commands.selectors.alert_groups import alert_groups
from commands.selectors.rule_preview import rule_preview
from commands.services.alert_depth import NOTE_MAX_LENGTH, alert_note_add, alerts_acknowledge_bulk
from incidents.models import Category, Region
from khareetaty.api_actions import validated_input
from khareetaty.permissions import ANALYSTS, STAFF

ALERT_DEPTH_ROLES = {
    "notes": ANALYSTS_AND_FIELD,
    "groups": STAFF,
    "acknowledge_bulk": ANALYSTS_AND_FIELD,
}
RULE_FORM_ROLES = {"kinds": ANALYSTS, "preview": ANALYSTS}
BULK_MAX = 200


class AlertNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_MAX_LENGTH, trim_whitespace=True)


class BulkAcknowledgeInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=BULK_MAX
    )


class GroupsInput(serializers.Serializer):
    window = serializers.IntegerField(min_value=1, max_value=60 * 24 * 7, default=60)


class RulePreviewInput(serializers.Serializer):
    """The rule form as drafted: the same fields as a saved rule, minus the name."""

    kind = serializers.ChoiceField(choices=[])
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.HIGH)
    params = serializers.DictField(child=serializers.JSONField(), default=dict)
    regions = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False
    )
    categories = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), many=True, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in rule_kinds()]


def _param_schema(name: str, param: Param) -> dict:
    types = param.types if isinstance(param.types, tuple) else (param.types,)
    kind = "list" if list in types else "number" if float in types else "integer"
    return {
        "name": name,
        "label": str(param.label or name),
        "type": kind,
        "required": param.required,
        "choices": list(param.choices),
        "minimum": param.minimum,
        "maximum": param.maximum,
    }


class AlertDepthActions:
    """Notes, groups and bulk acknowledgement (``AlertViewSet``)."""

    @extend_schema(methods=["GET"], responses=AlertNoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=AlertNoteInput, responses={201: AlertNoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        alert = self.get_object()
        if request.method == "GET":
            return Response(
                AlertNoteSerializer(alert.notes.select_related("author"), many=True).data
            )
        v = validated_input(AlertNoteInput, request)
        note = alert_note_add(alert=alert, actor=request.user, text=v["text"])
        return Response(AlertNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[GroupsInput], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def groups(self, request):
        window = GroupsInput(data=request.query_params)
        window.is_valid(raise_exception=True)
        alerts = list(self.filter_queryset(self.get_queryset())[:500])
        groups = alert_groups(
            alerts=alerts, window=timedelta(minutes=window.validated_data["window"])
        )
        return Response(
            {
                "results": [
                    {
                        "key": g.key,
                        "rule": g.rule_id,
                        "region": g.region_id,
                        "count": g.count,
                        "severity": g.severity,
                        "alerts": AlertSerializer(g.alerts, many=True).data,
                    }
                    for g in groups
                ]
            }
        )

    @extend_schema(request=BulkAcknowledgeInput, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="acknowledge-bulk")
    def acknowledge_bulk(self, request):
        ids = sorted(set(validated_input(BulkAcknowledgeInput, request)["ids"]))
        alerts = list(self.get_queryset().filter(pk__in=ids).order_by("pk"))
        missing = sorted(set(ids) - {a.pk for a in alerts})
        result = alerts_acknowledge_bulk(
            alerts=alerts, missing=missing, actor=request.user, via=AckVia.WEB
        )
        return Response(
            {
                "acknowledged": result.acknowledged,
                "refused": {str(k): v for k, v in result.refused.items()},
            }
        )


class RuleFormActions:
    """The rule form's schema and the preview (``AlertRuleViewSet``)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def kinds(self, request):
        return Response(
            {
                "results": [
                    {
                        "value": kind.value,
                        "label": str(kind.label),
                        "scope": kind.scope,
                        "params": [_param_schema(n, p) for n, p in kind.params.items()],
                    }
                    for kind in rule_kinds()
                ],
                "severities": [{"value": v, "label": str(lbl)} for v, lbl in Severity.choices],
            }
        )

    @extend_schema(request=RulePreviewInput, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        v = validated_input(RulePreviewInput, request)
        fields = {"name": "preview", "kind": v["kind"], "severity": v["severity"]}
        try:
            preview = rule_preview(
                fields={**fields, "params": v["params"]},
                regions=v.get("regions", []),
                categories=v.get("categories", []),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "firings": preview.firings,
                "days": preview.days,
                "since": preview.since,
                "until": preview.until,
                "per_day": [{"date": d.isoformat(), "count": n} for d, n in preview.per_day],
            }
        )
