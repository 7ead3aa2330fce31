from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from khareetaty.accounts.channels import personal_channels
from khareetaty.accounts.choices import Language, Role

e164_validator = RegexValidator(
    regex=r"^\+[1-9]\d{6,14}$",
    message=_("Enter the number in international E.164 form, e.g. +96512345678."),
    code="invalid_phone",
)


def default_notification_channels() -> list[str]:
    return ["sms", "email"]


class User(AbstractUser):
    """A person who signs in: command staff, admins and, later, field supervisors.

    ``role`` is the source of truth for access; the matching auth group is kept in step by
    ``user_set_role`` so the admin shows the role's permissions.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    phone_number = models.CharField(
        _("phone number"), max_length=16, blank=True, validators=[e164_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ARABIC
    )
    notification_channels = models.JSONField(
        _("notification channels"),
        default=default_notification_channels,
        blank=True,
        help_text=_("Channels to try, in order: sms, whatsapp, email."),
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    token_version = models.PositiveIntegerField(
        _("token version"),
        default=0,
        editable=False,
        help_text=_("Raised to end every token and session of the user (user_tokens_revoke)."),
    )

    class Meta:
        db_table = "system_users"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def credentials_fingerprint(self, secret: str | None = None) -> str:
        """An HMAC over what a token or session was granted on: the password hash, the role
        and ``token_version``. A change to any of them, by any path, ends them all."""
        return salted_hmac(
            "khareetaty.accounts.User.credentials_fingerprint",
            f"{self.password}|{self.role}|{self.token_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self.credentials_fingerprint()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self.credentials_fingerprint(secret=fallback_secret)

    def clean(self) -> None:
        super().clean()
        allowed = set(personal_channels())  # the channel registry is the one list
        channels = self.notification_channels or []
        if not isinstance(channels, list) or not set(channels) <= allowed:
            raise ValidationError(
                {"notification_channels": _("Use a list of: %s.") % ", ".join(sorted(allowed))}
            )
