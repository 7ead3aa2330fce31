"""Webhook subscriptions: an agency's account receives alerts as signed webhooks."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from interop.choices import WebhookEvent
from interop.models.agencies import ServiceAccount


def default_events() -> list[str]:
    return [WebhookEvent.ALERT.value]


class WebhookSubscription(models.Model):
    """A service account's webhook subscription (new alerts, new hotspots: ``events``). The deliveries go through the commands app's
    ``webhook`` channel to ``recipient``, a user with no usable password kept for this
    account (its ``WebhookDestination`` holds the URL and the signing secret)."""

    service_account = models.OneToOneField(
        ServiceAccount, on_delete=models.CASCADE, related_name="subscription"
    )
    recipient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interop_subscription"
    )
    active = models.BooleanField(default=True)
    events = ArrayField(
        models.CharField(max_length=16, choices=WebhookEvent.choices),
        default=default_events,
        verbose_name=_("events"),
        help_text=_("What the webhook receives: new alerts, new and intensifying hotspots."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.service_account} → webhook"

    @property
    def key(self) -> str:
        """The deliveries' step key: one delivery per alert per subscription."""
        return f"interop:sub-{self.pk}"

    @property
    def hotspots_key(self) -> str:
        """The step key of its hotspot deliveries: one per analytics run."""
        return f"interop:sub-{self.pk}:hotspots"
