from django.db import models
from django.utils.translation import gettext_lazy as _

from commands.notify.registry import channel_choices


def __getattr__(name: str):
    """``RuleKind``: what an ``AlertRule`` watches, one member per kind registered in
    ``commands.rulekinds`` (built on first use, once the apps are ready)."""
    if name != "RuleKind":
        raise AttributeError(name)
    from commands.rulekinds import rule_kinds

    kinds = [(k.value.upper(), (k.value, k.label)) for k in rule_kinds()]
    globals()["RuleKind"] = rule_kind_enum = models.TextChoices("RuleKind", kinds)
    return rule_kind_enum


class AlertSource(models.TextChoices):
    """Where an alert came from: a rule, a person, or an overdue task."""

    RULE = "rule", _("Rule")
    MANUAL = "manual", _("Manual")
    TASK_OVERDUE = "task_overdue", _("Overdue task")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    SUPPRESSED = "suppressed", _("Suppressed")


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertEventKind(models.TextChoices):
    """One line on an alert's timeline."""

    CREATED = "created", _("Created")
    REPEATED = "repeated", _("Repeated")
    ESCALATION_STEP = "escalation_step", _("Escalation step")
    ESCALATION_FORCED = "escalation_forced", _("Escalation forced")
    ESCALATION_FINISHED = "escalation_finished", _("Escalation finished")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    DELIVERY_FALLBACK = "delivery_fallback", _("Fell back to another channel")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    SUPPRESSED = "suppressed", _("Suppressed")
    REPLY_REFUSED = "reply_refused", _("SMS reply refused")
    TASK_CREATED = "task_created", _("Task created")
    TASK_DONE = "task_done", _("Task done")
    TASK_CANCELLED = "task_cancelled", _("Task cancelled")


# One member per channel in ``commands.notify.registry.CHANNELS`` (kind → label).
ChannelKind = models.TextChoices("ChannelKind", channel_choices())


class DeliveryStatus(models.TextChoices):
    """``sending`` is claimed by exactly one worker; nothing ever moves it back to
    ``queued`` once the provider may have accepted the message."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class AckVia(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    LINK = "link", _("Signed link")
    SMS = "sms", _("SMS reply")
    TASK = "task", _("Task completed")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)

# Allowed moves; anything not listed is refused with a clear error.
TASK_TRANSITIONS = {
    TaskStatus.ASSIGNED: {TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED},
    TaskStatus.ACCEPTED: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.DONE: set(),
    TaskStatus.CANCELLED: set(),
}


class TaskUpdateKind(models.TextChoices):
    """What a line of a task's timeline records; its text is rendered in the reader's
    language from the kind and ``data`` (never stored as prose)."""

    CREATED = "created", _("Created")
    NOTE = "note", _("Note")
    STATUS = "status", _("Status change")
    ASSIGNED = "assigned", _("Reassigned")
    DUE = "due", _("Due time changed")
    CANCELLED = "cancelled", _("Cancelled")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# An overdue task raises an alert of this severity.
TASK_PRIORITY_SEVERITY = {
    TaskPriority.LOW: Severity.LOW,
    TaskPriority.NORMAL: Severity.MEDIUM,
    TaskPriority.HIGH: Severity.HIGH,
    TaskPriority.URGENT: Severity.CRITICAL,
}
SEVERITY_TASK_PRIORITY = {value: key for key, value in TASK_PRIORITY_SEVERITY.items()}
