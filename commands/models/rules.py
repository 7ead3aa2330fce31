from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commands.choices import RuleKind, Severity
from incidents.models import Category, Region

# Parameters each rule kind accepts: name -> (type, required). Validated in ``clean``.
RULE_PARAMS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    RuleKind.CRITICAL_INCIDENT: {
        "min_severity": (int, False),
        "max_age_hours": ((int, float), False),
    },
    RuleKind.VOLUME_WINDOW: {"threshold": (int, True), "window_hours": ((int, float), True)},
    RuleKind.FORECAST_SPIKE: {
        "percent_above": ((int, float), False),
        "min_count": ((int, float), False),
        "baseline_days": (int, False),
        "horizon_days": (int, False),
    },
    RuleKind.HOTSPOT: {"trends": (list, False), "min_score": ((int, float), False)},
}
HOTSPOT_TRENDS = ("new", "intensifying", "persistent", "diminishing")


class AlertRule(models.Model):
    """A condition that raises alerts (admin-editable).

    ``kind`` picks the check; ``params`` holds its thresholds (see ``RULE_PARAMS``):

    * ``critical_incident``: an incident in scope with ``severity >= min_severity`` (or any
      severity when the rule lists categories) that occurred within ``max_age_hours`` (24).
    * ``volume_window``: more than ``threshold`` incidents in scope in one region within the
      last ``window_hours``.
    * ``forecast_spike``: a region's forecast for the next ``horizon_days`` (1) above its
      baseline (mean daily count over ``baseline_days``, 28) by ``percent_above`` percent,
      or above ``min_count`` per day.
    * ``hotspot``: a hotspot whose trend is in ``trends`` (new, intensifying) and whose
      score is at least ``min_score``.

    Empty ``regions`` / ``categories`` mean "all". A repeat of the same rule and scope within
    ``cooldown_minutes`` adds to the open alert's count instead of raising a new alert.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=RuleKind.choices)
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
        spec = RULE_PARAMS.get(self.kind)
        if spec is None:
            return
        params = self.params if isinstance(self.params, dict) else None
        if params is None:
            raise ValidationError({"params": _("Parameters must be an object.")})
        errors = []
        for name, value in params.items():
            if name not in spec:
                errors.append(_("Unknown parameter %(name)s for this kind.") % {"name": name})
            elif value is not None and (
                isinstance(value, bool) or not isinstance(value, spec[name][0])
            ):
                errors.append(_("Parameter %(name)s has the wrong type.") % {"name": name})
        for name, (_type, required) in spec.items():
            if required and params.get(name) is None:
                errors.append(_("Parameter %(name)s is required.") % {"name": name})
        errors.extend(self._kind_errors(params))
        if errors:
            raise ValidationError({"params": errors})

    def _kind_errors(self, params: dict) -> list[str]:
        errors = []
        if self.kind == RuleKind.FORECAST_SPIKE and not (
            params.get("percent_above") or params.get("min_count")
        ):
            errors.append(_("Set percent_above or min_count."))
        if self.kind == RuleKind.HOTSPOT:
            unknown = set(params.get("trends") or []) - set(HOTSPOT_TRENDS)
            if unknown:
                errors.append(_("Unknown trends: %s.") % ", ".join(sorted(unknown)))
        min_severity = params.get("min_severity")
        if isinstance(min_severity, int) and not 1 <= min_severity <= 5:
            errors.append(_("min_severity must be between 1 and 5."))
        return errors
