from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")


class IncidentChannel(models.TextChoices):
    """How an incident became known. Analytics keeps patrol finds apart from public
    reports so patrols do not feed their own forecasts."""

    PUBLIC_REPORT = "public_report", _("Public report (112 call, walk-in)")
    PATROL = "patrol", _("Found by patrol")
    SENSOR = "sensor", _("Sensor / IoT")
    PARTNER = "partner", _("Partner agency")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PlaceKind(models.TextChoices):
    """Levels of the gazetteer below a region (Kuwait: governorate → area → block)."""

    AREA = "area", _("Area")
    BLOCK = "block", _("Block")
