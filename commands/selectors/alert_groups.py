"""Similar alerts shown as one group: the same rule and region, each raised within
``window`` of the previous one. Manual and task alerts (no rule) are never grouped."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform

from commands.choices import SEVERITY_RANK
from commands.models import Alert
from incidents.models import Incident

DEFAULT_GROUP_WINDOW = timedelta(minutes=60)


@dataclass
class AlertGroup:
    """Alerts of one rule and region close in time, newest first; ``key`` is stable while
    the group's oldest alert stays in it (the dashboard remembers which groups are open)."""

    key: str
    rule_id: int | None
    region_id: int | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def severity(self) -> str:
        return max((a.severity for a in self.alerts), key=lambda s: SEVERITY_RANK.get(s, 0))


def _key(alert: Alert) -> tuple | None:
    return None if alert.rule_id is None else (alert.rule_id, alert.region_id)


def alert_groups(
    *, alerts: list[Alert], window: timedelta = DEFAULT_GROUP_WINDOW
) -> list[AlertGroup]:
    """Group ``alerts`` (any order); groups come newest (latest seen) first."""
    groups: list[AlertGroup] = []
    current: dict[tuple, tuple[AlertGroup, object]] = {}
    for alert in sorted(alerts, key=lambda a: (a.first_seen_at, a.pk)):
        key = _key(alert)
        known = current.get(key) if key else None
        if known and alert.first_seen_at - known[1] <= window:
            group = known[0]
        else:
            group = AlertGroup(
                key=f"{alert.rule_id}:{alert.region_id}:{alert.pk}" if key else f"a:{alert.pk}",
                rule_id=alert.rule_id,
                region_id=alert.region_id,
            )
            groups.append(group)
        group.alerts.append(alert)
        if key:
            current[key] = (group, alert.first_seen_at)
    for group in groups:
        group.alerts.sort(key=lambda a: (a.last_seen_at, a.pk), reverse=True)
    groups.sort(key=lambda g: (g.alerts[0].last_seen_at, g.alerts[0].pk), reverse=True)
    return groups


def alert_incident_points(*, alert: Alert, limit: int = 500) -> list[dict]:
    """The alert's incidents as points in the API's SRID (transformed in SQL), for the map."""
    rows = (
        Incident.objects.filter(alerts=alert)
        .annotate(point=Transform("geom", settings.API_SRID))
        .only("pk", "severity")
        .order_by("-occurred_at")[:limit]
    )
    return [{"id": r.pk, "lon": r.point.x, "lat": r.point.y, "severity": r.severity} for r in rows]
