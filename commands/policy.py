"""The YAML escalation policy: parse and validate with line numbers, load, reload.

The parsed policy is stored as an ``EscalationPolicyVersion`` row; the newest row is active
for every web and worker process, so a reload applies everywhere without a restart. Alerts
keep the snapshot they started with.
"""

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

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


class _Checker:
    """Walks the YAML node tree so each error can name its line and dotted field."""

    def __init__(self) -> None:
        self.errors: list[PolicyError] = []

    def error(self, node, field: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(PolicyError(line, field, message))

    def mapping(self, node, field: str) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, field, "must be a mapping")
            return None
        return {key.value: (key, value) for key, value in node.value}

    def sequence(self, node, field: str) -> list | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, field, "must be a list")
            return None
        return node.value

    def scalars(self, node, field: str) -> list[tuple]:
        items = self.sequence(node, field) or []
        out = []
        for index, item in enumerate(items):
            if isinstance(item, yaml.ScalarNode):
                out.append((item, item.value))
            else:
                self.error(item, f"{field}[{index}]", "must be a plain value")
        return out

    def duration(self, node, field: str) -> int | None:
        match = _DURATION.match(node.value) if isinstance(node, yaml.ScalarNode) else None
        if not match:
            self.error(node, field, "must be a duration such as 0m, 90s, 15m, 2h or 1d")
            return None
        return int(match.group(1)) * _UNITS[match.group(2)]

    def unknown_keys(self, items: dict, allowed: set, field: str) -> None:
        for name, (key, _value) in items.items():
            if name not in allowed:
                self.error(key, f"{field}.{name}" if field else name, "unknown field")


def _check_target(checker: _Checker, node, value: str, field: str, known: dict) -> dict | None:
    kind, _sep, name = value.partition(":")
    if kind not in _TARGET_TYPES or not name:
        checker.error(node, field, "must be role:<role>, team:<code> or user:<username>")
        return None
    if name not in known[kind]:
        checker.error(node, field, f"unknown {kind} {name!r}")
        return None
    return {"type": kind, "value": name}


def _check_step(checker: _Checker, node, field: str, known: dict) -> dict | None:
    items = checker.mapping(node, field)
    if items is None:
        return None
    checker.unknown_keys(items, {"after", "notify", "channels"}, field)
    step = {"after": None, "notify": [], "channels": []}
    if "after" not in items:
        checker.error(node, f"{field}.after", "is required")
    else:
        step["after"] = checker.duration(items["after"][1], f"{field}.after")
    if "notify" not in items:
        checker.error(node, f"{field}.notify", "is required")
    else:
        targets = checker.scalars(items["notify"][1], f"{field}.notify")
        for index, (target_node, value) in enumerate(targets):
            target = _check_target(checker, target_node, value, f"{field}.notify[{index}]", known)
            if target:
                step["notify"].append(target)
        if not targets:
            checker.error(items["notify"][1], f"{field}.notify", "must name at least one target")
    if "channels" in items:
        for index, (channel_node, value) in enumerate(
            checker.scalars(items["channels"][1], f"{field}.channels")
        ):
            if value not in ChannelKind.values:
                checker.error(
                    channel_node,
                    f"{field}.channels[{index}]",
                    f"unknown channel {value!r}; use {', '.join(ChannelKind.values)}",
                )
            else:
                step["channels"].append(value)
    return step


def _check_severity(checker: _Checker, node, field: str, known: dict) -> dict | None:
    items = checker.mapping(node, field)
    if items is None:
        return None
    checker.unknown_keys(items, {"steps", "repeat"}, field)
    policy = {"steps": [], "repeat": {"every": 0, "times": 0}}
    steps_node = items.get("steps", (None, None))[1]
    if steps_node is None:
        checker.error(node, f"{field}.steps", "is required")
    else:
        for index, step_node in enumerate(checker.sequence(steps_node, f"{field}.steps") or []):
            step = _check_step(checker, step_node, f"{field}.steps[{index}]", known)
            if step:
                policy["steps"].append(step)
    afters = [s["after"] for s in policy["steps"] if s["after"] is not None]
    if afters != sorted(afters):
        checker.error(steps_node, f"{field}.steps", "steps must be in order of `after`")
    if "repeat" in items:
        policy["repeat"] = _check_repeat(checker, items["repeat"][1], f"{field}.repeat", afters)
    return policy


def _check_repeat(checker: _Checker, node, field: str, afters: list[int]) -> dict:
    items = checker.mapping(node, field) or {}
    checker.unknown_keys(items, {"every", "times"}, field)
    every = checker.duration(items["every"][1], f"{field}.every") if "every" in items else None
    times_node = items.get("times", (None, None))[1]
    times = None
    if times_node is None or not str(times_node.value).isdigit():
        checker.error(times_node or node, f"{field}.times", "must be a whole number")
    else:
        times = int(times_node.value)
    if every is None and "every" not in items:
        checker.error(node, f"{field}.every", "is required")
    if every is not None and afters and every <= max(afters):
        checker.error(items["every"][1], f"{field}.every", "must be longer than the last step")
    return {"every": every or 0, "times": times or 0}


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
    checker = _Checker()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PolicyInvalid([PolicyError(line, "", f"not valid YAML: {exc}")]) from exc
    if root is None:
        raise PolicyInvalid([PolicyError(1, "", "the policy is empty")])
    items = checker.mapping(root, "") or {}
    checker.unknown_keys(
        items, {"version", "stop_on", "severities", "task_done_resolves_alert"}, ""
    )
    parsed = {
        "version": 1,
        "stop_on": list(_STOPPABLE),
        "severities": {},
        "task_done_resolves_alert": True,
    }
    if "task_done_resolves_alert" in items:
        node = items["task_done_resolves_alert"][1]
        flag = _BOOLEANS.get(str(getattr(node, "value", "")).lower())
        if flag is None:
            checker.error(node, "task_done_resolves_alert", "must be true or false")
        else:
            parsed["task_done_resolves_alert"] = flag
    if "stop_on" in items:
        parsed["stop_on"] = []
        for index, (node, value) in enumerate(checker.scalars(items["stop_on"][1], "stop_on")):
            if value not in _STOPPABLE:
                checker.error(node, f"stop_on[{index}]", "must be acknowledged or resolved")
            else:
                parsed["stop_on"].append(value)
    known = _known_targets()
    severities = (
        checker.mapping(items["severities"][1], "severities") if "severities" in items else None
    )
    if "severities" not in items:
        checker.error(root, "severities", "is required")
    for name, (key, node) in (severities or {}).items():
        if name not in Severity.values:
            checker.error(
                key, f"severities.{name}", f"unknown severity; use {', '.join(Severity.values)}"
            )
            continue
        parsed["severities"][name] = _check_severity(checker, node, f"severities.{name}", known)
    if checker.errors:
        raise PolicyInvalid(sorted(checker.errors, key=lambda e: (e.line, e.field)))
    return parsed


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
