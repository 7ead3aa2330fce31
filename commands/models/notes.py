from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commands.models.alerts import Alert


class AlertNote(models.Model):
    """A note a person adds to an alert (what they found, whom they called); written by
    ``alert_note_add``, audited, shown on the alert's timeline. Notes are never edited."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("alert note")
        verbose_name_plural = _("alert notes")

    def __str__(self) -> str:
        return f"note {self.pk} on alert {self.alert_id}"
