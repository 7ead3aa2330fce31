"""Command-and-control models: rules and alerts, deliveries, tasks and teams, policy."""

from commands.models.alerts import Alert, AlertEvent, Delivery, ReplyCode
from commands.models.notes import AlertNote
from commands.models.policy import EscalationPolicyVersion
from commands.models.rules import AlertRule
from commands.models.tasks import Task, TaskUpdate, Team
from commands.models.webhooks import WebhookDestination

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertNote",
    "AlertRule",
    "Delivery",
    "EscalationPolicyVersion",
    "ReplyCode",
    "Task",
    "TaskUpdate",
    "Team",
    "WebhookDestination",
]
