from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commands.choices import Severity
from commands.rulekinds import rule_kind, rule_kind_choices
from incidents.models import Category, Region


class AlertRule(models.Model):
    """A condition that raises alerts (admin-editable).

    ``kind`` picks the check and ``params`` holds its thresholds: each kind, its parameters
    and what it alerts on are one module of ``commands.rulekinds`` (the registry).

    Empty ``regions`` / ``categories`` mean "all". A repeat of the same rule and scope within
    ``cooldown_minutes`` adds to the open alert's count instead of raising a new alert.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=rule_kind_choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.HIGH
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("categories")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    suppressed_until = models.DateTimeField(_("suppressed until"), null=True, blank=True)
    suppressed_reason = models.TextField(_("suppression reason"), blank=True)
    suppressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name

    def param(self, name: str, default=None):
        """A parameter with its default; ``params`` may omit optional ones."""
        value = (self.params or {}).get(name)
        return default if value is None else value

    def clean(self) -> None:
        super().clean()
        kind = rule_kind(self.kind)
        errors = kind.param_errors(self.params) if kind else {}
        if errors:
            raise ValidationError(errors)
