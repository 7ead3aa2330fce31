# ruff: noqa: S608 - SQL is built only from model table names, module constants and choice
# values; every value from a caller is a bound parameter.
"""Response measures: how long alerts wait for acknowledgement and resolution, and tasks
for acceptance and completion, with the median and 90th percentile computed in SQL
(``percentile_cont``), grouped by region, severity, team or calendar day/week.

A measure's moment is when the wait began (the alert first seen, the task created); a
period ``[since, until)`` takes the waits that began in it. Waits still running are left
out (they have no end yet) and counted apart as ``open``.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commands.choices import Severity, TaskStatus
from commands.models import Alert, Task, TaskUpdate, Team
from incidents.models import Region

MEASURES = {
    "alert_acknowledge": _("Time to acknowledge an alert"),
    "alert_resolve": _("Time to resolve an alert"),
    "task_accept": _("Time to accept a task"),
    "task_complete": _("Time to complete a task"),
}
GROUPS = {
    "all": _("All"),
    "region": _("Region"),
    "severity": _("Severity"),
    "team": _("Team"),
    "day": _("Day"),
    "week": _("Week"),
}
_ACCEPTED = (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE)


def _waits_sql() -> str:
    """One row per finished wait: measure, began, seconds, region, severity, team."""
    alerts, tasks = Alert._meta.db_table, Task._meta.db_table
    updates = TaskUpdate._meta.db_table
    accepted = ", ".join(f"'{status}'" for status in _ACCEPTED)  # choice values, not input
    alert_wait = """
        SELECT '{measure}' AS measure, a.first_seen_at AS began,
               EXTRACT(EPOCH FROM a.{end} - a.first_seen_at) AS secs,
               a.region_id, a.severity, t.assignee_team_id AS team_id
        FROM {alerts} a LEFT JOIN {tasks} t ON t.id = a.task_id
        WHERE a.{end} IS NOT NULL"""
    return " UNION ALL ".join(
        [
            alert_wait.format(
                measure="alert_acknowledge", end="acknowledged_at", alerts=alerts, tasks=tasks
            ),
            alert_wait.format(
                measure="alert_resolve", end="resolved_at", alerts=alerts, tasks=tasks
            ),
            f"""
        SELECT 'task_accept', t.created_at, EXTRACT(EPOCH FROM u.first_at - t.created_at),
               t.region_id, a.severity, t.assignee_team_id
        FROM {tasks} t LEFT JOIN {alerts} a ON a.id = t.alert_id
        JOIN LATERAL (SELECT min(created_at) AS first_at FROM {updates}
                      WHERE task_id = t.id AND status IN ({accepted})) u ON TRUE
        WHERE u.first_at IS NOT NULL""",
            f"""
        SELECT 'task_complete', t.created_at, EXTRACT(EPOCH FROM t.completed_at - t.created_at),
               t.region_id, a.severity, t.assignee_team_id
        FROM {tasks} t LEFT JOIN {alerts} a ON a.id = t.alert_id
        WHERE t.status = '{TaskStatus.DONE}' AND t.completed_at IS NOT NULL""",
        ]
    )


_KEYS = {
    "all": "'all'",
    "region": "region_id::text",
    "severity": "severity",
    "team": "team_id::text",
    "day": "to_char(date_trunc('day', began AT TIME ZONE %(tz)s), 'YYYY-MM-DD')",
    "week": "to_char(date_trunc('week', began AT TIME ZONE %(tz)s), 'YYYY-MM-DD')",
}


@dataclass(frozen=True)
class MeasureRow:
    measure: str
    key: str | None
    label: str
    count: int
    median_seconds: float
    p90_seconds: float


def _labels(by: str, keys: set[str | None]) -> dict[str | None, str]:
    arabic = get_language() == "ar"
    ids = [int(key) for key in keys if key and key.isdigit()]
    if by == "region":
        rows = Region.objects.filter(pk__in=ids).values_list("pk", "name_en", "name_ar")
    elif by == "team":
        rows = Team.objects.filter(pk__in=ids).values_list("pk", "name_en", "name_ar")
    elif by == "all":
        return {key: str(GROUPS["all"]) for key in keys}
    elif by == "severity":
        return {key: str(Severity(key).label) if key else str(_("None")) for key in keys}
    else:
        return {key: key or "" for key in keys}
    names = {str(pk): (ar if arabic and ar else en) for pk, en, ar in rows}
    return {key: names.get(key, str(_("None"))) for key in keys}


def response_measures(
    *, since: dt.datetime, until: dt.datetime, by: str = "all", tz: str = "UTC"
) -> list[MeasureRow]:
    """Count, median and 90th percentile (seconds) of each measure's waits that began in
    ``[since, until)``, per ``by`` group (``GROUPS``); ``tz`` sets the day/week bounds."""
    if by not in _KEYS:
        raise ValueError(f"unknown grouping {by!r}")
    sql = f"""
        SELECT measure, {_KEYS[by]} AS key, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY secs),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY secs)
        FROM ({_waits_sql()}) waits
        WHERE began >= %(since)s AND began < %(until)s
        GROUP BY 1, 2 ORDER BY 1, 2"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"since": since, "until": until, "tz": tz})
        found = cursor.fetchall()
    labels = _labels(by, {row[1] for row in found})
    return [
        MeasureRow(measure, key, labels[key], count, round(median, 3), round(p90, 3))
        for measure, key, count, median, p90 in found
    ]


def response_compare(
    *, first: tuple[dt.datetime, dt.datetime], second: tuple[dt.datetime, dt.datetime], by: str
) -> list[dict]:
    """The measures of two periods side by side, with the relative change of the median
    and 90th percentile (``-0.3`` is a 30 % reduction); a group missing in one period has
    ``None`` there."""
    before = {
        (r.measure, r.key): r for r in response_measures(since=first[0], until=first[1], by=by)
    }
    after = {
        (r.measure, r.key): r for r in response_measures(since=second[0], until=second[1], by=by)
    }
    rows = []
    for measure, key in sorted(before.keys() | after.keys(), key=lambda k: (k[0], k[1] or "")):
        a, b = before.get((measure, key)), after.get((measure, key))
        rows.append(
            {
                "measure": measure,
                "key": key,
                "label": (a or b).label,
                "first": _stats(a),
                "second": _stats(b),
                "median_change": _change(a and a.median_seconds, b and b.median_seconds),
                "p90_change": _change(a and a.p90_seconds, b and b.p90_seconds),
            }
        )
    return rows


def _stats(row: MeasureRow | None) -> dict | None:
    if row is None:
        return None
    return {
        "count": row.count,
        "median_seconds": row.median_seconds,
        "p90_seconds": row.p90_seconds,
    }


def _change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / before, 4)
