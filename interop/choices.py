"""Choices of the interop app: key scopes, share kinds and the shareable incident fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a service account's key may do; each interop endpoint names the one it needs."""

    INCIDENTS_READ = "incidents:read", _("Read incidents")
    INCIDENTS_WRITE = "incidents:write", _("Push incidents")
    EVENTS_WRITE = "events:write", _("Push sensor events")
    HOTSPOTS_READ = "hotspots:read", _("Read hotspots")
    FORECASTS_READ = "forecasts:read", _("Read forecasts")
    ALERTS_READ = "alerts:read", _("Read alerts")
    ALERTS_SUBSCRIBE = "alerts:subscribe", _("Subscribe to alerts (webhooks)")


class ShareKind(models.TextChoices):
    INCIDENTS = "incidents", _("Incidents")
    HOTSPOTS = "hotspots", _("Hotspots")
    FORECASTS = "forecasts", _("Forecasts")
    ALERTS = "alerts", _("Alerts")
    WEBHOOK = "webhook", _("Webhook delivery")
    WEBHOOK_HOTSPOTS = "webhook_hotspots", _("Webhook delivery of hotspots")


class WebhookEvent(models.TextChoices):
    """What a webhook subscription receives; each needs ``alerts:subscribe`` (the webhook
    itself) and the read scope ``EVENT_SCOPES`` names."""

    ALERT = "alert", _("New alerts")
    HOTSPOT_NEW = "hotspot.new", _("New and intensifying hotspots")


EVENT_SCOPES = {
    WebhookEvent.ALERT: Scope.ALERTS_SUBSCRIBE,
    WebhookEvent.HOTSPOT_NEW: Scope.HOTSPOTS_READ,
}


class SharedField(models.TextChoices):
    """Incident fields a sharing rule may let out. Free text (description) and anything
    personal are not in this list, so no rule can share them."""

    CATEGORY = "category", _("Category")
    OCCURRED_AT = "occurred_at", _("Occurred at")
    REPORTED_AT = "reported_at", _("Reported at")
    REGION = "region", _("Region")
    SEVERITY = "severity", _("Severity")
    STATUS = "status", _("Status")
    CHANNEL = "channel", _("Channel")
    AREA = "area", _("Area")
    BLOCK = "block", _("Block")
    LOCATION = "location", _("Location (rounded)")
