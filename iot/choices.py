from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    CCTV = "cctv", _("CCTV analytics camera")
    ACOUSTIC = "acoustic", _("Acoustic gunshot sensor")
    ANPR = "anpr", _("ANPR camera")
    PANIC = "panic", _("Panic button")
    ENVIRONMENTAL = "environmental", _("Environmental sensor")


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class EventType(models.TextChoices):
    GUNSHOT = "gunshot", _("Gunshot")
    CROWD = "crowd", _("Crowd")
    LOITERING = "loitering", _("Loitering")
    PLATE_HIT = "plate_hit", _("Plate hit")
    PANIC = "panic", _("Panic")
    TAMPER = "tamper", _("Tamper")
    SMOKE = "smoke", _("Smoke")


class Door(models.TextChoices):
    """How an event arrived."""

    MQTT = "mqtt", _("MQTT")
    HTTPS = "https", _("HTTPS")


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PROMOTED = "promoted", _("Became an incident")
    REFUSED = "refused", _("Refused as an incident")
