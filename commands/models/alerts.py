import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commands.choices import (
    ACTIVE_ALERT_STATUSES,
    AckVia,
    AlertEventKind,
    AlertSource,
    AlertStatus,
    ChannelKind,
    DeliveryStatus,
    Severity,
)
from commands.models.rules import AlertRule
from incidents.models import Category, Incident, Region


class Alert(models.Model):
    """Something a person must look at (the seed's alerts_log).

    Status flows open → acknowledged → resolved, or to suppressed; who and when is kept for
    each step. ``dedup_key`` identifies the rule and scope: a repeat inside the rule's
    cooldown increments ``count`` instead of raising a new alert. ``short_code`` is the
    number people reply with by SMS (``3a``); it is unique among active alerts only.
    ``escalation_snapshot`` is the policy copied when escalation started, so a reloaded
    policy never changes an alert already under way.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(
        _("source"), max_length=16, choices=AlertSource.choices, default=AlertSource.RULE
    )
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    title_en = models.CharField(_("English title"), max_length=300)
    title_ar = models.CharField(_("Arabic title"), max_length=300, blank=True)
    message_en = models.TextField(_("English message"), blank=True)
    message_ar = models.TextField(_("Arabic message"), blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incidents = models.ManyToManyField(Incident, blank=True, related_name="alerts")
    # Analytics rows behind the alert; plain ids so model runs can be pruned freely.
    hotspot_id = models.BigIntegerField(_("hotspot"), null=True, blank=True)
    forecast_id = models.BigIntegerField(_("forecast"), null=True, blank=True)
    task = models.ForeignKey(
        "commands.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dedup_key = models.CharField(_("deduplication key"), max_length=200, db_index=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    short_code = models.PositiveIntegerField(_("reply code"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_via = models.CharField(max_length=8, choices=AckVia.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_until = models.DateTimeField(null=True, blank=True)
    suppressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suppressed_reason = models.TextField(blank=True)
    escalation_snapshot = models.JSONField(null=True, blank=True)
    escalation_started_at = models.DateTimeField(null=True, blank=True)
    next_step_index = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alerts_log"
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["short_code"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES),
                name="alert_unique_active_short_code",
            )
        ]
        indexes = [models.Index(fields=["status", "severity"])]

    def __str__(self) -> str:
        return f"#{self.pk} [{self.severity}] {self.title_en}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ALERT_STATUSES

    def title_for(self, language: str) -> str:
        return (self.title_ar if language == "ar" else "") or self.title_en

    def message_for(self, language: str) -> str:
        return (self.message_ar if language == "ar" else "") or self.message_en


class AlertEvent(models.Model):
    """One line of an alert's timeline. ``step_key`` (``r0.s1``: round 0, step 1) is unique
    per alert, which is what makes an escalation step impossible to fire twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=AlertEventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    step_key = models.CharField(max_length=32, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "step_key"],
                condition=~Q(step_key=""),
                name="alertevent_unique_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"


class Delivery(models.Model):
    """One message to one recipient on one channel (the HC ``Notification`` row).

    Written before sending; a worker claims it by moving ``queued`` → ``sending`` with a
    conditional UPDATE, so a task that runs twice sends at most once. ``uuid`` appears in
    the Twilio status-callback URL and in the signed acknowledgement link.

    An event delivery has no alert: a webhook about another event (``event``, e.g. new
    hotspots for a subscribed agency), sent and retried the same way, without fallback.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty for an event delivery (``event``): a webhook about something else than an alert.
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.JSONField(
        _("event"),
        default=dict,
        blank=True,
        help_text=_(
            "An event delivery (no alert): its kind and references, e.g. "
            '{"kind": "hotspot.new", "run": 12, "hotspots": [3, 4]}.'
        ),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    channel = models.CharField(max_length=16, choices=ChannelKind.choices)
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=2, default="ar")
    step_key = models.CharField(max_length=32, blank=True)
    hold_until = models.DateTimeField(
        _("held until"),
        null=True,
        blank=True,
        help_text=_("Held for the recipient's quiet hours: not sent before this time."),
    )
    fallback_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_status = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    ack_link_used_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-queued_at"]
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_id} ({self.status})"


class ReplyCode(models.Model):
    """The code one recipient replies with by SMS/WhatsApp to act on one alert (``K7M2Pa``).

    Random letters and digits, one per alert and recipient, so a code can neither be
    guessed from another alert's nor used by anyone the alert was not sent to.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reply_codes")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_reply_codes"
    )
    code = models.CharField(_("reply code"), max_length=8, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient"], name="replycode_unique_alert_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} → alert {self.alert_id}, user {self.recipient_id}"
