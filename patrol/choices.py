from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CAR = "car", _("Car")
    FOOT = "foot", _("Foot")
    BIKE = "bike", _("Bike")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    OFF = "off", _("Off duty")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class VisitSource(models.TextChoices):
    CHECKIN = "checkin", _("Field check-in")
    GPS = "gps", _("GPS stream")
