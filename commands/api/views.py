"""The command API: dashboard, alerts, rules, tasks, teams, escalation policy, and the
Twilio webhooks. Views parse input, call a selector or service, and render the result."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from commands import selectors
from commands.api import serializers as s
from commands.api.alert_depth import (
    ALERT_DEPTH_ROLES,
    RULE_FORM_ROLES,
    AlertDepthActions,
    RuleFormActions,
)
from commands.choices import AckVia
from commands.filters import AlertFilterSet, AlertRuleFilterSet, TaskFilterSet
from commands.models import Alert, Task
from commands.permissions import ALERT_ACTION_ROLES, ANALYSTS_AND_FIELD, TASK_CANCEL_ROLES
from commands.policy import (
    PolicyInvalid,
    policy_active,
    policy_path,
    policy_reload,
    policy_validate,
)
from commands.services import alerts as alert_services
from commands.services import field_tasks
from khareetaty.api_actions import DetailActionMixin, validated_input
from khareetaty.permissions import (
    ANALYSTS,
    ANY_ROLE,
    READ_STAFF_WRITE_ANALYSTS,
    STAFF,
    SUPERADMINS,
)


class DashboardView(APIView):
    """``GET /api/commands/dashboard``: the command centre's summary numbers."""

    role_access = {"read": STAFF}

    @extend_schema(parameters=[s.DashboardFilterInput], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        data = s.DashboardFilterInput(
            data={
                "region": request.query_params.getlist("region"),
                "category": request.query_params.getlist("category"),
                "period": request.query_params.get("period", ""),
            }
        )
        data.is_valid(raise_exception=True)
        now = timezone.now()
        return Response(selectors.dashboard_summary(now=now, scope=data.scope(now=now)))


def _until(data: dict):
    return data.get("until") or timezone.now() + timedelta(minutes=data["minutes"])


class AlertViewSet(
    AlertDepthActions,
    DetailActionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Alerts: list, detail with timeline and deliveries, manual create, and the actions."""

    filterset_class = AlertFilterSet
    list_serializer_class = s.AlertSerializer
    detail_serializer_class = s.AlertDetailSerializer
    role_access = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANALYSTS,
        **ALERT_ACTION_ROLES,  # the same policy as SMS replies and signed links
        "suppress": ANALYSTS,
        **ALERT_DEPTH_ROLES,
    }

    def get_queryset(self):
        return selectors.alert_list(user=self.request.user)

    def read_object(self, pk: int) -> Alert:
        return selectors.alert_detail(user=self.request.user, alert_id=pk)

    @extend_schema(request=s.AlertManualInput, responses={201: s.AlertDetailSerializer})
    def create(self, request):
        v = validated_input(s.AlertManualInput, request)
        alert = alert_services.alert_create_manual(
            actor=request.user,
            severity=v["severity"],
            title_en=v["title_en"],
            title_ar=v.get("title_ar", ""),
            message_en=v.get("message_en", ""),
            message_ar=v.get("message_ar", ""),
            region_id=getattr(v.get("region"), "pk", None),
            category_id=getattr(v.get("category"), "pk", None),
            incident_ids=[i.pk for i in v.get("incidents", [])],
        )
        return self.answer(alert, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = alert_services.alert_acknowledge(
            alert=self.get_object(), actor=request.user, via=AckVia.API
        )
        return self.answer(alert)

    @extend_schema(request=s.AlertResolveInput, responses=s.AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        alert = self.get_object()
        v = validated_input(s.AlertResolveInput, request)
        return self.answer(
            alert_services.alert_resolve(alert=alert, actor=request.user, note=v["note"])
        )

    @extend_schema(request=s.SuppressInput, responses=s.AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def suppress(self, request, pk=None):
        alert = self.get_object()
        v = validated_input(s.SuppressInput, request)
        alert = alert_services.alert_suppress(
            alert=alert, actor=request.user, reason=v["reason"], until=_until(v)
        )
        return self.answer(alert)

    @extend_schema(request=None, responses=s.AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self.answer(
            alert_services.alert_escalate(alert=self.get_object(), actor=request.user)
        )


class AlertRuleViewSet(RuleFormActions, viewsets.ModelViewSet):
    """Alert rules: everyone reads, analysts write and suppress."""

    serializer_class = s.AlertRuleSerializer
    filterset_class = AlertRuleFilterSet
    role_access = {
        **READ_STAFF_WRITE_ANALYSTS,
        "suppress": ANALYSTS,
        "unsuppress": ANALYSTS,
        **RULE_FORM_ROLES,
    }

    def get_queryset(self):
        return selectors.rule_list()

    def perform_create(self, serializer):
        serializer.instance = alert_services.rule_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = alert_services.rule_save(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        alert_services.rule_delete(rule=instance, actor=self.request.user)

    @extend_schema(request=s.SuppressInput, responses=s.AlertRuleSerializer)
    @action(detail=True, methods=["post"])
    def suppress(self, request, pk=None):
        v = validated_input(s.SuppressInput, request)
        rule = alert_services.rule_suppress(
            rule=self.get_object(), actor=request.user, reason=v["reason"], until=_until(v)
        )
        return Response(s.AlertRuleSerializer(rule).data)

    @extend_schema(request=None, responses=s.AlertRuleSerializer)
    @action(detail=True, methods=["post"])
    def unsuppress(self, request, pk=None):
        rule = alert_services.rule_unsuppress(rule=self.get_object(), actor=request.user)
        return Response(s.AlertRuleSerializer(rule).data)


class TaskViewSet(DetailActionMixin, viewsets.ModelViewSet):
    """Tasks. Field supervisors see and report on only their own or their team's tasks."""

    filterset_class = TaskFilterSet
    list_serializer_class = s.TaskSerializer
    detail_serializer_class = s.TaskDetailSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    role_access = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANALYSTS,
        "partial_update": ANALYSTS,
        "destroy": ANALYSTS,
        "assign": ANALYSTS,
        "cancel": TASK_CANCEL_ROLES,
        "due": ANALYSTS,
        "status": ANALYSTS_AND_FIELD,
        "updates": ANALYSTS_AND_FIELD,
    }

    def get_queryset(self):
        return selectors.task_list(user=self.request.user)

    def read_object(self, pk: int) -> Task:
        return selectors.task_detail(user=self.request.user, task_id=pk)

    @extend_schema(request=s.TaskCreateInput, responses={201: s.TaskDetailSerializer})
    def create(self, request):
        v = validated_input(s.TaskCreateInput, request)
        hotspot = selectors.hotspot_for_task(hotspot_id=v.pop("hotspot", None))
        task = field_tasks.task_create(
            actor=request.user,
            title=v.get("title", ""),
            description=v.get("description", ""),
            priority=v.get("priority"),
            geom=v.get("geom"),
            due_at=v.get("due_at"),
            alert=v.get("alert"),
            hotspot=hotspot,
            incident_id=getattr(v.get("incident"), "pk", None),
            region_id=getattr(v.get("region"), "pk", None),
            assignee_user=v.get("assignee_user"),
            assignee_team=v.get("assignee_team"),
        )
        return self.answer(task, status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskEditInput, responses=s.TaskDetailSerializer)
    def partial_update(self, request, pk=None):
        task = self.get_object()
        changes = validated_input(s.TaskEditInput, request, partial=True)
        if "region" in changes:
            changes["region_id"] = getattr(changes.pop("region"), "pk", None)
        return self.answer(field_tasks.task_update(task=task, actor=request.user, **changes))

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        field_tasks.task_cancel(task=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.TaskCancelInput, responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        task = self.get_object()
        v = validated_input(s.TaskCancelInput, request)
        field_tasks.task_cancel(task=task, actor=request.user, **v)
        return self.answer(task)

    @extend_schema(request=s.TaskDueInput, responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def due(self, request, pk=None):
        task = self.get_object()
        v = validated_input(s.TaskDueInput, request)
        return self.answer(
            field_tasks.task_update(task=task, actor=request.user, due_at=v["due_at"])
        )

    @extend_schema(request=s.TaskAssignInput, responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        v = validated_input(s.TaskAssignInput, request)
        return self.answer(field_tasks.task_assign(task=task, actor=request.user, **v))

    @extend_schema(request=s.TaskStatusInput, responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        task = self.get_object()
        v = validated_input(s.TaskStatusInput, request)
        field_tasks.task_add_update(task=task, actor=request.user, **v)
        return self.answer(task)

    @extend_schema(methods=["GET"], responses=s.TaskUpdateSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.TaskNoteInput, responses={201: s.TaskUpdateSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def updates(self, request, pk=None):
        task = self.get_object()
        if request.method == "GET":
            return Response(s.TaskUpdateSerializer(task.updates.all(), many=True).data)
        v = validated_input(s.TaskNoteInput, request)
        update = field_tasks.task_add_update(task=task, actor=request.user, **v)
        return Response(s.TaskUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams (managed in the admin)."""

    serializer_class = s.TeamSerializer
    role_access = {"read": ANY_ROLE}

    def get_queryset(self):
        return selectors.team_list()


def _policy_errors(exc: PolicyInvalid) -> Response:
    return Response(
        {"code": exc.code, "detail": exc.message, "valid": False, **exc.extra},
        status=status.HTTP_400_BAD_REQUEST,
    )


class EscalationPolicyView(APIView):
    """``GET``: the active policy (parsed and as YAML) and whether the file differs."""

    role_access = {"read": STAFF}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        version = policy_active()
        path = policy_path()
        file_text = path.read_text(encoding="utf-8") if path.exists() else ""
        return Response(
            {
                "version": version.pk,
                "sha256": version.sha256,
                "loaded_at": version.loaded_at,
                "loaded_by": getattr(version.loaded_by, "username", None),
                "policy": version.parsed,
                "content": version.content,
                "file_changed": file_text != version.content,
            }
        )


class EscalationPolicyValidateView(APIView):
    """``POST``: check YAML (``content``) or the policy file; errors name line and field."""

    role_access = {"write": ANALYSTS}

    @extend_schema(request=s.PolicyValidateInput, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        v = validated_input(s.PolicyValidateInput, request)
        try:
            parsed = policy_validate(text=v.get("content"))
        except PolicyInvalid as exc:
            return _policy_errors(exc)
        return Response({"valid": True, "policy": parsed})


class EscalationPolicyReloadView(APIView):
    """``POST``: validate the file and make it the active policy (new alerts use it)."""

    role_access = {"write": SUPERADMINS}

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        try:
            version = policy_reload(actor=request.user)
        except PolicyInvalid as exc:
            return _policy_errors(exc)
        return Response({"valid": True, "version": version.pk, "sha256": version.sha256})
