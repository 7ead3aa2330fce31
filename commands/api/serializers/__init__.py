"""API serializers: output shapes and the input of each action. Fields listed explicitly."""

from commands.api.serializers.alerts import (
    AlertDetailSerializer,
    AlertEventSerializer,
    AlertManualInput,
    AlertResolveInput,
    AlertRuleSerializer,
    AlertSerializer,
    AlertTaskSerializer,
    DeliverySerializer,
    SuppressInput,
    TeamSerializer,
)
from commands.api.serializers.common import UserRefField
from commands.api.serializers.inputs import (
    DashboardFilterInput,
    PolicyValidateInput,
)
from commands.api.serializers.tasks import (
    PointInput,
    TaskAlertSerializer,
    TaskAssignInput,
    TaskCancelInput,
    TaskCreateInput,
    TaskDetailSerializer,
    TaskDueInput,
    TaskEditInput,
    TaskNoteInput,
    TaskSerializer,
    TaskStatusInput,
    TaskUpdateSerializer,
)

__all__ = [
    "AlertDetailSerializer",
    "AlertEventSerializer",
    "AlertManualInput",
    "AlertResolveInput",
    "AlertRuleSerializer",
    "AlertSerializer",
    "AlertTaskSerializer",
    "DashboardFilterInput",
    "DeliverySerializer",
    "PointInput",
    "PolicyValidateInput",
    "SuppressInput",
    "TaskAlertSerializer",
    "TaskAssignInput",
    "TaskCancelInput",
    "TaskCreateInput",
    "TaskDetailSerializer",
    "TaskDueInput",
    "TaskEditInput",
    "TaskNoteInput",
    "TaskSerializer",
    "TaskStatusInput",
    "TaskUpdateSerializer",
    "TeamSerializer",
    "UserRefField",
]
