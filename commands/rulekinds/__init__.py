"""The rule-kind registry: the one place that says what each ``AlertRule.kind`` is.

A kind is one module in this package that calls ``register(RuleKindSpec(...))``: its value
and label (``RuleKind`` and the model's choices are built from the registry), the
parameters it accepts, what it is evaluated against (its ``scope``), the bilingual text of
the alert it raises, and the evaluator that finds what to alert on. The evaluation loop,
the dedup key and the raising of the alert are shared (``commands.services.rules``).

Every module of the package is imported when the app is ready (``load_rule_kinds``), so a
new kind (a sensor threshold, a silent feed) is one new module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from commands.texts import Bilingual

# What a kind is evaluated against; the service of each scope passes its subject.
SCOPE_INCIDENTS = "incidents"  # a list of just-arrived incidents
SCOPE_ANALYTICS_RUN = "analytics_run"  # the id of a finished analytics chain


@dataclass(frozen=True)
class Param:
    """One parameter of a kind: the accepted type(s) and whether it must be set; ``label``,
    ``choices`` (for a list: the values it may hold) and the bounds describe it to the
    dashboard's rule form (``commands.api.rule_form``), which is generated from them."""

    types: type | tuple[type, ...]
    required: bool = False
    label: Any = ""  # a lazy translation; the name when empty
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class Finding:
    """Something a rule alerts on: the values for the kind's title and message, the parts of
    the dedup key after ``rule:<pk>`` (in order), and what the alert links to."""

    values: dict[str, Any]
    dedup: dict[str, Any]
    region_id: int | None = None
    category_id: int | None = None
    incident_ids: list[int] = field(default_factory=list)
    hotspot_id: int | None = None
    forecast_id: int | None = None


# evaluate(rule, subject, now) -> the findings of one rule against one subject
Evaluator = Callable[[Any, Any, datetime], Iterable[Finding]]


@dataclass(frozen=True)
class RuleKindSpec:
    value: str
    label: Any  # a lazy translation
    scope: str
    params: dict[str, Param]
    evaluate: Evaluator
    title: Bilingual
    message: Bilingual
    check: Callable[[dict], list[str]] = lambda params: []  # run once the types are right
    horizon_hours: Callable[[Any], float] | None = None  # how old an incident may matter

    def param_errors(self, params: object) -> dict[str, list[str]]:
        """Validation errors of ``params`` for this kind, keyed ``params`` (empty if fine)."""
        if not isinstance(params, dict):
            return {"params": [_("Parameters must be an object.")]}
        errors = []
        for name, value in params.items():
            if name not in self.params:
                errors.append(_("Unknown parameter %(name)s for this kind.") % {"name": name})
            elif value is not None and (
                isinstance(value, bool) or not isinstance(value, self.params[name].types)
            ):
                errors.append(_("Parameter %(name)s has the wrong type.") % {"name": name})
            elif value is not None and not _within(self.params[name], value):
                errors.append(_("Parameter %(name)s is out of range.") % {"name": name})
        for name, param in self.params.items():
            if param.required and params.get(name) is None:
                errors.append(_("Parameter %(name)s is required.") % {"name": name})
        if not errors:  # the kind's own check may trust the types
            errors = self.check(params)
        return {"params": errors} if errors else {}


def _within(param: Param, value: object) -> bool:
    """A number inside the parameter's bounds (a list's values are the kind's check)."""
    if isinstance(value, list):
        return True
    if param.minimum is not None and value < param.minimum:
        return False
    return param.maximum is None or value <= param.maximum


_REGISTRY: dict[str, RuleKindSpec] = {}


def register(spec: RuleKindSpec) -> RuleKindSpec:
    """Add a kind (once per value; importing its module twice is harmless)."""
    known = _REGISTRY.get(spec.value)
    if known is not None and _origin(known) != _origin(spec):
        raise ValueError(f"rule kind {spec.value!r} is already registered")
    _REGISTRY[spec.value] = spec
    return spec


def _origin(spec: RuleKindSpec) -> tuple[str, str]:
    return spec.evaluate.__module__, spec.evaluate.__qualname__


def unregister(value: str) -> None:
    """Remove a kind (tests that register a throwaway kind clean up with this)."""
    _REGISTRY.pop(value, None)


def load_rule_kinds() -> None:
    """Import every module of this package, each registering its kind(s)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def rule_kinds() -> list[RuleKindSpec]:
    if not _REGISTRY:
        load_rule_kinds()
    return list(_REGISTRY.values())


def rule_kind(value: str) -> RuleKindSpec | None:
    return next((k for k in rule_kinds() if k.value == value), None)


def rule_kinds_of(scope: str) -> list[RuleKindSpec]:
    return [k for k in rule_kinds() if k.scope == scope]


def rule_kind_choices() -> list[tuple[str, Any]]:
    """``AlertRule.kind`` choices (a callable, so a new kind needs no migration)."""
    return [(k.value, k.label) for k in rule_kinds()]
