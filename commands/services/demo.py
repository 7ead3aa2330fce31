"""The command centre part of the demo (`make run` → ``setup_demo`` →
``setup_command_demo``): alert rules, field teams with their supervisors, and a first
batch of fresh activity, so a newcomer opening the dashboard sees open alerts (one
escalating), tasks in every column and, with ``DEMO_ACTIVITY`` on, a moving live feed.

Idempotent: rules and teams are upserted by name (an admin's later edits are kept), and
the activity is seeded only while there are no tasks yet.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from analytics.models import Hotspot, ModelRun
from commands.choices import AlertStatus, RuleKind, Severity, TaskStatus
from commands.models import Alert, AlertRule, Task, Team
from commands.services.alerts import alert_acknowledge, alert_escalate, rule_save
from commands.services.demo_activity import demo_activity_tick
from commands.services.field_tasks import task_add_update, task_create
from commands.services.rules import rules_evaluate_analytics, rules_evaluate_incidents
from incidents.models import Region

User = get_user_model()

DEMO_RULES = [
    ("Critical incident", RuleKind.CRITICAL_INCIDENT, Severity.CRITICAL,
     {"min_severity": 5, "max_age_hours": 24}, 60),
    ("Incident volume spike", RuleKind.VOLUME_WINDOW, Severity.HIGH,
     {"threshold": 25, "window_hours": 1}, 60),
    ("Forecast spike", RuleKind.FORECAST_SPIKE, Severity.MEDIUM, {"percent_above": 25}, 24 * 60),
    ("New or intensifying hotspot", RuleKind.HOTSPOT, Severity.HIGH,
     {"trends": ["new", "intensifying"]}, 26 * 60),
]  # fmt: skip
DEMO_TEAMS = [
    ("patrol-capital", "Capital patrol", "دورية العاصمة", "KW-KU", ["field"]),
    ("patrol-hawalli", "Hawalli patrol", "دورية حولي", "KW-HA", ["field", "field2"]),
    ("patrol-ahmadi", "Ahmadi patrol", "دورية الأحمدي", "KW-AH", ["field2"]),
]
TOP_HOTSPOTS = 4
# Tasks seeded per status, walked through the real status flow by a field supervisor.
_WALKS = {
    TaskStatus.ASSIGNED: [],
    TaskStatus.ACCEPTED: [TaskStatus.ACCEPTED],
    TaskStatus.IN_PROGRESS: [TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS],
    TaskStatus.DONE: [TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE],
}


@dataclass
class DemoSummary:
    rules: int = 0
    teams: int = 0
    incidents: int = 0
    alerts: list[int] = field(default_factory=list)
    escalating: int | None = None
    tasks: dict[str, int] = field(default_factory=dict)


def _user(username: str):
    return User.objects.filter(username=username, is_active=True).first()


def demo_rules_ensure(*, actor) -> int:
    """Create the demo's alert rules that do not exist yet (by name); audited."""
    made = 0
    for name, kind, severity, params, cooldown in DEMO_RULES:
        if AlertRule.objects.filter(name=name).exists():
            continue
        if kind == RuleKind.HOTSPOT:
            params = {**params, **_top_hotspots_score()}
        rule_save(
            actor=actor,
            name=name,
            kind=kind,
            severity=severity,
            params=params,
            cooldown_minutes=cooldown,
        )
        made += 1
    return made


def _top_hotspots_score(top: int = TOP_HOTSPOTS) -> dict:
    """``min_score`` that lets only the latest run's ``top`` hotspots alert, so the demo's
    first run raises a handful of hotspot alerts, not one per cluster."""
    latest = Hotspot.objects.order_by("-run_id").values_list("run_id", flat=True).first()
    if latest is None:
        return {}
    scores = list(
        Hotspot.objects.filter(run_id=latest)
        .order_by("-score")
        .values_list("score", flat=True)[:top]
    )
    return {"min_score": float(math.floor(scores[-1]))} if len(scores) == top else {}


def demo_teams_ensure() -> int:
    """Create or refresh the demo's field teams and their supervisors."""
    for slug, name_en, name_ar, region_code, members in DEMO_TEAMS:
        team, _created = Team.objects.update_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_ar": name_ar,
                "region": Region.objects.filter(code=region_code).first(),
            },
        )
        team.members.add(*[u for u in map(_user, members) if u is not None])
    return len(DEMO_TEAMS)


def _fresh_alerts(summary: DemoSummary, now: datetime) -> None:
    """Fresh incidents through the ingest service (three of them critical) and the rules over
    them and over the latest analytics run."""
    ids = demo_activity_tick(count=24, critical=3, now=now, force=True)
    summary.incidents = len(ids)
    summary.alerts = [a.pk for a in rules_evaluate_incidents(incident_ids=ids, now=now)]
    run = ModelRun.objects.filter(kind="pipeline", status="succeeded").order_by("-pk").first()
    if run is not None:
        summary.alerts += [a.pk for a in rules_evaluate_analytics(run_id=run.pk, now=now)]


def _escalate_one(summary: DemoSummary, actor, now: datetime) -> None:
    """Force the next escalation step of an open alert (critical first, whose policy has
    more steps to come), so the demo shows one escalating."""
    waiting = Alert.objects.filter(status=AlertStatus.OPEN, next_step_at__isnull=False)
    alert = (
        waiting.filter(severity=Severity.CRITICAL).order_by("-pk").first()
        or waiting.order_by("-pk").first()
    )
    if alert is not None:
        alert_escalate(alert=alert, actor=actor, now=now)
        summary.escalating = alert.pk


def _walk(task: Task, statuses: list[str], field_user, place: Point | None) -> None:
    notes = {TaskStatus.ACCEPTED: "On my way.", TaskStatus.IN_PROGRESS: "On site."}
    for status in statuses:
        task_add_update(
            task=task,
            actor=field_user,
            status=status,
            note=notes.get(status, "Area checked; all clear."),
            geom=place,
        )


def _seed_tasks(summary: DemoSummary, analyst, field_user) -> None:
    """One task per column: from open alerts (acknowledged first) and the top hotspot."""
    teams = list(Team.objects.filter(slug__in=[t[0] for t in DEMO_TEAMS]).order_by("slug"))
    alerts = list(
        Alert.objects.filter(status=AlertStatus.OPEN, tasks__isnull=True)
        .exclude(pk=summary.escalating)
        .order_by("pk")[: len(_WALKS)]
    )
    hotspot = Hotspot.objects.order_by("-run_id", "rank").first()
    for index, (status, walk) in enumerate(_WALKS.items()):
        alert = alerts[index] if index < len(alerts) else None
        source = {"alert": alert} if alert else {"hotspot": hotspot} if hotspot else {}
        if alert is not None:
            alert_acknowledge(alert=alert, actor=analyst)
        task = task_create(
            actor=analyst,
            title="" if source else f"Patrol check {index + 1}",
            assignee_team=teams[index % len(teams)] if teams else None,
            assignee_user=None if teams else field_user,
            **source,
        )
        _walk(task, walk, field_user, task.geom)
        summary.tasks[status] = task.pk


def demo_command_setup(*, now: datetime | None = None) -> DemoSummary:
    """Rules, teams and (once) fresh alerts and tasks for the demo."""
    now = now or timezone.now()
    admin, analyst, field_user = _user("admin"), _user("analyst"), _user("field")
    summary = DemoSummary(rules=demo_rules_ensure(actor=admin), teams=demo_teams_ensure())
    if Task.objects.exists():
        return summary
    _fresh_alerts(summary, now)
    _escalate_one(summary, admin, now)
    if field_user is not None or Team.objects.exists():
        _seed_tasks(summary, analyst, field_user)
    return summary
