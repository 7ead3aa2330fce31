from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUPERADMIN = "superadmin", _("Super administrator")
    ANALYST = "analyst", _("Analyst")
    VIEWER = "viewer", _("Viewer")
    FIELD_SUPERVISOR = "field_supervisor", _("Field supervisor")


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")
