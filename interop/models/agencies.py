"""Agencies, their service accounts and API keys, and what each agency may receive."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from incidents.models import Category, Region
from interop.choices import Scope, SharedField


def default_rate_limit() -> int:
    return settings.INTEROP_DEFAULT_RATE_LIMIT


class Agency(models.Model):
    """A partner agency or system that pushes data in or pulls shared intelligence out."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The source profile its pushed records are read with (column names, category mapping).
    profile = models.CharField(_("source profile"), max_length=50, default="kuwait")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name_en

    @property
    def source(self) -> str:
        """The incidents' ``source`` of its pushes: its external ids are unique within it."""
        return f"agency:{self.code}"


class ServiceAccount(models.Model):
    """A machine identity of an agency (the seed's ``interop_services``): its scopes, the
    regions and categories it may see (none listed: nothing), its rate limit and addresses."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(_("name"), max_length=100)
    scopes = ArrayField(
        models.CharField(max_length=32, choices=Scope.choices), default=list, blank=True
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    rate_limit = models.PositiveIntegerField(
        _("requests per minute"),
        default=default_rate_limit,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    # Empty: any address. Otherwise CIDR networks the keys are accepted from.
    ip_allowlist = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "interop_services"
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="interop_account_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}/{self.name}"


class ServiceAccountKey(AbstractAPIKey):
    """An API key of a service account: a public lookup prefix and a SHA-512 hash of the whole
    key (djangorestframework-api-key); the key itself is shown once, when created. Several
    live keys per account allow rotation without downtime."""

    service_account = models.ForeignKey(
        ServiceAccount, on_delete=models.CASCADE, related_name="keys"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        db_table = "interop_api_keys"
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")


class SharingRule(models.Model):
    """Which incident fields leave the system for an agency, and how coarse the location."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="sharing_rule")
    fields = ArrayField(
        models.CharField(max_length=32, choices=SharedField.choices), default=list, blank=True
    )
    location_rounding_m = models.PositiveIntegerField(
        _("location rounded to (metres)"),
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.agency.code}: {', '.join(self.fields)} ({self.location_rounding_m} m)"
