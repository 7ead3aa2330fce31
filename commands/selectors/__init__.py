"""Reads for pages, the API and tasks, including who may see what.

Field supervisors see only tasks assigned to them or to one of their teams, and only the
alerts they were notified of or that are linked to those tasks. Everyone else with access
sees everything.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from analytics.choices import RunKind
from analytics.models import Forecast, Hotspot
from analytics.selectors import evaluation_latest, model_run_latest
from commands.choices import (
    ACTIVE_ALERT_STATUSES,
    OPEN_TASK_STATUSES,
    AlertStatus,
    Severity,
    TaskStatus,
)
from commands.models import (
    Alert,
    AlertEvent,
    AlertNote,
    AlertRule,
    Delivery,
    Task,
    TaskUpdate,
    Team,
)
from incidents.models import Incident, Region
from incidents.profiles import DEFAULT_PROFILE
from khareetaty.accounts.choices import Role


def profile_regions() -> QuerySet[Region]:
    """The regions of the profile the dashboard serves (the default profile): filters
    offer these only, never another profile's."""
    return Region.objects.filter(profile=DEFAULT_PROFILE).order_by("code")


def is_field_supervisor(user) -> bool:
    return getattr(user, "role", None) == Role.FIELD_SUPERVISOR


def task_list(*, user) -> QuerySet[Task]:
    """Tasks ``user`` may see, newest first, with assignees loaded."""
    tasks = Task.objects.select_related("assignee_user", "assignee_team", "alert", "region")
    if is_field_supervisor(user):
        team_ids = Team.objects.filter(members=user).values("pk")
        tasks = tasks.filter(Q(assignee_user=user) | Q(assignee_team__in=team_ids))
    return tasks.order_by("-created_at")


def task_detail(*, user, task_id: int) -> Task:
    """One visible task with its updates (``Task.DoesNotExist`` when hidden or missing)."""
    updates = Prefetch("updates", TaskUpdate.objects.select_related("author"))
    return task_list(user=user).prefetch_related(updates).get(pk=task_id)


def alert_list(*, user) -> QuerySet[Alert]:
    """Alerts ``user`` may see, most recently seen first."""
    # An alert lists only the tasks this user may see (a field supervisor: their own).
    alerts = Alert.objects.select_related(
        "rule", "region", "category", "acknowledged_by", "resolved_by", "suppressed_by"
    ).prefetch_related(Prefetch("tasks", task_list(user=user)))
    if is_field_supervisor(user):
        notified = Delivery.objects.filter(recipient=user).values("alert_id")
        tasked = task_list(user=user).exclude(alert=None).values("alert_id")
        alerts = alerts.filter(Q(pk__in=notified) | Q(pk__in=tasked))
    return alerts.order_by("-last_seen_at", "-pk")


def alert_detail(*, user, alert_id: int) -> Alert:
    """One visible alert with its timeline, deliveries and incident ids."""
    return (
        alert_list(user=user)
        .prefetch_related(
            Prefetch("events", AlertEvent.objects.select_related("actor").order_by("at", "pk")),
            Prefetch("deliveries", Delivery.objects.select_related("recipient").order_by("pk")),
            "incidents",
            Prefetch("notes", AlertNote.objects.select_related("author")),
        )
        .get(pk=alert_id)
    )


def rule_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.prefetch_related("regions", "categories").order_by("name")


def team_list() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").filter(is_active=True).order_by("slug")


@dataclass(frozen=True)
class DashboardScope:
    """The dashboard's filter bar as the KPIs apply it (the same set as the lists):
    regions and categories by id, and the start of the selected period."""

    region_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    period: str = ""
    since: datetime | None = None


def _scoped(queryset: QuerySet, scope: DashboardScope, *, category: bool = True) -> QuerySet:
    if scope.region_ids:
        queryset = queryset.filter(region_id__in=scope.region_ids)
    if category and scope.category_ids:
        queryset = queryset.filter(category_id__in=scope.category_ids)
    return queryset


def _open_alerts(scope: DashboardScope) -> QuerySet[Alert]:
    alerts = _scoped(Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES), scope)
    return alerts.filter(last_seen_at__gte=scope.since) if scope.since else alerts


def _incident_counts(scope: DashboardScope, since: datetime, now: datetime) -> list[dict]:
    return list(
        _scoped(Incident.objects.filter(occurred_at__gte=since, occurred_at__lte=now), scope)
        .values("region_id", "region__name_en", "region__name_ar")
        .annotate(count=Count("pk"))
        .order_by("region__name_en")
    )


def dashboard_summary(*, now: datetime | None = None, scope: DashboardScope | None = None) -> dict:
    """The command dashboard's numbers: open alerts by severity, tasks by status, incidents
    in the last 24 hours (per region) and, when analytics has run, the forecast. Each count
    takes the dashboard's filters (``scope``) like the lists under it: alerts by region,
    category and period (last seen), tasks by region, incidents by all three."""
    now = now or timezone.now()
    scope = scope or DashboardScope()
    open_alerts = dict.fromkeys(Severity.values, 0)
    for row in _open_alerts(scope).values("severity").annotate(n=Count("pk")):
        open_alerts[row["severity"]] = row["n"]
    tasks = dict.fromkeys(TaskStatus.values, 0)
    task_rows = _scoped(Task.objects.all(), scope, category=False)
    for row in task_rows.values("status").annotate(n=Count("pk")):
        tasks[row["status"]] = row["n"]
    incidents = _incident_counts(scope, now - timedelta(hours=24), now)
    summary = {
        "generated_at": now,
        "filters": {
            "region": list(scope.region_ids),
            "category": list(scope.category_ids),
            "period": scope.period or None,
        },
        **_forecast_summary(now=now, incidents_by_region=incidents),
        "open_alerts_by_severity": open_alerts,
        "unacknowledged_alerts": _open_alerts(scope).filter(status=AlertStatus.OPEN).count(),
        "tasks_by_status": tasks,
        "overdue_tasks": task_rows.filter(status__in=OPEN_TASK_STATUSES, due_at__lt=now).count(),
        "incidents_last_24h": {
            "total": sum(row["count"] for row in incidents),
            "by_region": incidents,
        },
    }
    if scope.since is not None:
        in_period = _incident_counts(scope, scope.since, now)
        summary["incidents_in_period"] = {
            "period": scope.period,
            "since": scope.since,
            "total": sum(row["count"] for row in in_period),
            "by_region": in_period,
        }
    return summary


def hotspot_for_task(*, hotspot_id: int | None) -> Hotspot | None:
    """The analytics hotspot a task is created from (pre-fills the task)."""
    if hotspot_id is None:
        return None
    hotspot = Hotspot.objects.select_related("region").filter(pk=hotspot_id).first()
    if hotspot is None:
        raise ValidationError({"hotspot": f"Hotspot {hotspot_id} does not exist."})
    return hotspot


def _run_brief(run) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "finished_at": run.finished_at,
        "metrics": run.metrics,
    }


def _forecast_summary(*, now: datetime, incidents_by_region: list[dict]) -> dict:
    """Today's forecast per region next to the last 24 hours' incidents, tomorrow's
    forecast, and the latest analytics run and evaluation (accuracy)."""
    forecasts_run = model_run_latest(kind=RunKind.FORECASTS)
    today = timezone.localdate(now)
    by_day: dict = {today: {}, today + timedelta(days=1): {}}
    if forecasts_run is not None:
        rows = Forecast.objects.filter(
            run=forecasts_run, category__isnull=True, region__isnull=False, date__in=list(by_day)
        ).values("region_id", "date", "yhat", "lower_80", "upper_80")
        for row in rows:
            by_day[row["date"]][row["region_id"]] = row
    actual = {row["region_id"]: row["count"] for row in incidents_by_region}
    today_rows = by_day[today]
    return {
        "incidents_vs_forecast": [
            {
                "region_id": region_id,
                "actual_last_24h": actual.get(region_id, 0),
                "forecast_today": round(row["yhat"], 2),
                "forecast_range_80": [round(row["lower_80"], 2), round(row["upper_80"], 2)],
            }
            for region_id, row in sorted(today_rows.items())
        ],
        "forecast_next_24h": {
            "date": today + timedelta(days=1),
            "total": round(sum(r["yhat"] for r in by_day[today + timedelta(days=1)].values()), 2),
            "by_region": [
                {"region_id": region_id, "yhat": round(row["yhat"], 2)}
                for region_id, row in sorted(by_day[today + timedelta(days=1)].items())
            ],
        },
        "latest_run": _run_brief(model_run_latest(kind=RunKind.PIPELINE)),
        "latest_evaluation": _run_brief(evaluation_latest()),
    }
