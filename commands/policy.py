"""The YAML escalation policy: parse and validate with line numbers, load, reload.

The parsed policy is stored as an ``EscalationPolicyVersion`` row; the newest row is active
for every web and worker process, so a reload applies everywhere without a restart. Alerts
keep the snapshot they started with.
"""

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from commands.choices import AlertStatus, ChannelKind, Severity
from commands.models import EscalationPolicyVersion, Team
from khareetaty.accounts.choices import Role
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_TARGET_TYPES = ("role", "team", "user")
_STOPPABLE = (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED)
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class PolicyError:
    line: int
    field: str
    message: str


class PolicyInvalid(ApplicationError):
    code = "escalation_policy_invalid"

    def __init__(self, errors: list[PolicyError]) -> None:
        super().__init__(
            "The escalation policy is invalid.", extra={"errors": [asdict(e) for e in errors]}
        )
        self.errors = errors


def policy_path() -> Path:
    default = Path(settings.BASE_DIR) / "config" / "escalation.yaml"
    return Path(getattr(settings, "ESCALATION_POLICY_FILE", "") or default)


# --- the policy's shape, declared with pydantic -------------------------------------------
# The YAML is composed into plain data (every scalar as its text) with the line of each node
# by its path; pydantic reports every problem by the same path, which names the field and
# finds the line.


def _seconds(value) -> int:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError("must be a duration such as 0m, 90s, 15m, 2h or 1d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _whole_number(value) -> int:
    if not (isinstance(value, str) and value.isdigit()):
        raise ValueError("must be a whole number")
    return int(value)


def _flag(value) -> bool:
    flag = _BOOLEANS.get(str(value).lower())
    if flag is None:
        raise ValueError("must be true or false")
    return flag


def _target(value, info: ValidationInfo) -> dict:
    kind, _sep, name = value.partition(":") if isinstance(value, str) else ("", "", "")
    if kind not in _TARGET_TYPES or not name:
        raise ValueError("must be role:<role>, team:<code> or user:<username>")
    if name not in info.context["known"][kind]:
        raise ValueError(f"unknown {kind} {name!r}")
    return {"type": kind, "value": name}


def _channel(value: str) -> str:
    if value not in ChannelKind.values:
        raise ValueError(f"unknown channel {value!r}; use {', '.join(ChannelKind.values)}")
    return value


def _stoppable(value: str) -> str:
    if value not in _STOPPABLE:
        raise ValueError("must be acknowledged or resolved")
    return value


Duration = Annotated[int, BeforeValidator(_seconds)]
Target = Annotated[dict, BeforeValidator(_target)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Step(_Part):
    after: Duration
    notify: Annotated[list[Target], Field(min_length=1)]
    channels: list[Annotated[str, AfterValidator(_channel)]] = []


class _Repeat(_Part):
    every: Duration
    times: Annotated[int, BeforeValidator(_whole_number)]


class _SeverityPolicy(_Part):
    steps: list[_Step]
    repeat: _Repeat = _Repeat.model_construct(every=0, times=0)

    @field_validator("steps")
    @classmethod
    def _in_order(cls, steps: list[_Step]) -> list[_Step]:
        afters = [step.after for step in steps]
        if afters != sorted(afters):
            raise ValueError("steps must be in order of `after`")
        return steps

    @field_validator("repeat")
    @classmethod
    def _after_the_last_step(cls, repeat: _Repeat, info: ValidationInfo) -> _Repeat:
        afters = [step.after for step in info.data.get("steps", [])]
        if repeat.every and afters and repeat.every <= max(afters):
            raise ValueError("every must be longer than the last step")
        return repeat


class _Policy(_Part):
    version: object = 1
    stop_on: list[Annotated[str, AfterValidator(_stoppable)]] = list(_STOPPABLE)
    severities: dict[Literal[tuple(Severity.values)], _SeverityPolicy]
    task_done_resolves_alert: Annotated[bool, BeforeValidator(_flag)] = True


def _plain(node, path: tuple, lines: dict, key_lines: dict):
    """The node as plain data (scalars as their text); records each node's line by path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key, value in node.value:
            name = str(key.value)
            key_lines[(*path, name)] = key.start_mark.line + 1
            out[name] = _plain(value, (*path, name), lines, key_lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines, key_lines) for i, item in enumerate(node.value)]
    return node.value


def _policy_error(problem: dict, lines: dict, key_lines: dict) -> PolicyError:
    """One pydantic problem as a ``PolicyError``: its dotted field and its line (the key's
    for an unknown field, else the value's, or the nearest enclosing node's)."""
    loc = tuple(part for part in problem["loc"] if part != "[key]")
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if problem["type"] == "extra_forbidden" or "[key]" in problem["loc"]:
        line = key_lines.get(loc, 1)
    else:
        while loc and loc not in lines:
            loc = loc[:-1]
        line = lines.get(loc, 1)
    return PolicyError(line, field, _MESSAGES.get(problem["type"]) or _message(problem))


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "model_type": "must be a mapping",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "too_short": "must name at least one target",
}


def _message(problem: dict) -> str:
    if problem["type"] == "value_error":
        return str(problem["ctx"]["error"])
    if problem["type"] == "literal_error":
        return f"unknown severity; use {', '.join(Severity.values)}"
    return problem["msg"]


def _known_targets() -> dict[str, set[str]]:
    users = get_user_model().objects.filter(is_active=True).values_list("username", flat=True)
    return {
        "role": set(Role.values),
        "team": set(Team.objects.values_list("slug", flat=True)),
        "user": set(users),
    }


def policy_parse(text: str) -> dict:
    """Parse and validate policy YAML; raise ``PolicyInvalid`` listing every error with its
    line and field (``severities.critical.steps[1].after``)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PolicyInvalid([PolicyError(line, "", f"not valid YAML: {exc}")]) from exc
    if root is None:
        raise PolicyInvalid([PolicyError(1, "", "the policy is empty")])
    lines, key_lines = {}, {}
    data = _plain(root, (), lines, key_lines)
    try:
        policy = _Policy.model_validate(data, context={"known": _known_targets()})
    except ValidationError as exc:
        errors = [_policy_error(p, lines, key_lines) for p in exc.errors(include_url=False)]
        raise PolicyInvalid(sorted(errors, key=lambda e: (e.line, e.field))) from None
    return {**policy.model_dump(), "version": 1}


def policy_validate(*, text: str | None = None) -> dict:
    """Validate ``text`` (or the policy file) without applying it; returns the parsed form."""
    return policy_parse(policy_path().read_text(encoding="utf-8") if text is None else text)


@transaction.atomic
def policy_reload(*, actor=None) -> EscalationPolicyVersion:
    """Read the policy file, validate it and make it the active policy (audited).
    An invalid file raises ``PolicyInvalid`` and leaves the active policy unchanged."""
    path = policy_path()
    text = path.read_text(encoding="utf-8")
    parsed = policy_parse(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = EscalationPolicyVersion.objects.create(
        content=text, parsed=parsed, sha256=digest, source=str(path.name), loaded_by=actor
    )
    audit_record(
        action="escalation_policy_reload",
        actor=actor,
        obj=version,
        summary={"sha256": digest, "severities": sorted(parsed["severities"])},
    )
    return version


def policy_task_done_resolves_alert() -> bool:
    """Whether finishing a task made from an alert resolves the alert (default yes)."""
    return bool(policy_active().parsed.get("task_done_resolves_alert", True))


def policy_active() -> EscalationPolicyVersion:
    """The active policy version; loads the file on first use."""
    version = EscalationPolicyVersion.objects.order_by("-id").first()
    return version or policy_reload()
