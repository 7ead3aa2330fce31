from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EscalationPolicyVersion(models.Model):
    """A validated copy of ``config/escalation.yaml``. The newest row is the active policy
    for every process, which is how a reload takes effect without a restart."""

    content = models.TextField()
    parsed = models.JSONField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=500, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"
        verbose_name = _("escalation policy version")

    def __str__(self) -> str:
        return f"#{self.pk} {self.sha256[:12]} ({self.loaded_at:%Y-%m-%d %H:%M})"
