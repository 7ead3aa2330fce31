from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commands.notify.webhook import webhook_url_problem


def validate_webhook_url(value: str) -> None:
    problem = webhook_url_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_webhook_url")


class WebhookDestination(models.Model):
    """Where the ``webhook`` channel reaches a recipient: a URL and the secret its bodies are
    signed with. One per recipient (a service account a higher app such as ``interop`` keeps
    for an agency); deliveries to it are ordinary ``Delivery`` rows on channel ``webhook``.
    The secret is stored as given: HMAC signing needs it, so it cannot be hashed."""

    recipient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_destination"
    )
    # 254: the length of ``Delivery.address``, which records where each delivery went.
    url = models.CharField(_("URL"), max_length=254, validators=[validate_webhook_url])
    secret = models.CharField(_("signing secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook destination")
        verbose_name_plural = _("webhook destinations")

    def __str__(self) -> str:
        return f"{self.recipient_id} → {self.url}"
