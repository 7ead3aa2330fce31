"""The morning briefing archive, briefing subscriptions and shift handovers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Briefing(models.Model):
    """One day's morning briefing: the figures (``content``) and the PDFs in both languages.

    One per profile and day, which is what makes the daily job idempotent."""

    profile = models.CharField(_("profile"), max_length=50)
    day = models.DateField(_("day"))
    content = models.JSONField(_("content"), default=dict)
    pdf_en = models.FileField(_("PDF (English)"), upload_to="briefings/", blank=True)
    pdf_ar = models.FileField(_("PDF (Arabic)"), upload_to="briefings/", blank=True)
    emailed_to = models.PositiveIntegerField(_("e-mailed to"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        constraints = [
            models.UniqueConstraint(fields=["profile", "day"], name="briefing_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.day}"


class BriefingSubscription(models.Model):
    """A user who receives the morning briefing by e-mail (in their own language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="briefing_subscription"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("briefing subscription")
        verbose_name_plural = _("briefing subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} ({'on' if self.active else 'off'})"


class Handover(models.Model):
    """A shift's handover: the summary of ``[shift_start, shift_end)`` frozen when the
    outgoing supervisor signs it off, then acknowledged by the incoming one."""

    shift_start = models.DateTimeField(_("shift start"))
    shift_end = models.DateTimeField(_("shift end"))
    summary = models.JSONField(_("summary"), default=dict)
    notes = models.TextField(_("notes"), blank=True)
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off"))
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        ordering = ["-shift_end"]
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")

    def __str__(self) -> str:
        return f"{self.shift_start:%Y-%m-%d %H:%M} - {self.shift_end:%H:%M}"
