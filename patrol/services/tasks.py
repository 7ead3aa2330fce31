"""Field tasks of a published plan: one per item, for the unit's team (commands' service)."""

from datetime import datetime

from commands.choices import TaskPriority
from commands.services.field_tasks import task_create
from khareetaty.exceptions import ApplicationError
from patrol.models import Plan, PlanItem


def _title(item: PlanItem) -> str:
    return f"Patrol {item.unit.call_sign}: place {item.place_id}, {len(item.windows)} visits"


def _description(item: PlanItem) -> str:
    lines = [
        f"{datetime.fromisoformat(w['start']):%H:%M} for {w['minutes']} min" for w in item.windows
    ]
    return "Visit windows: " + "; ".join(lines)


def plan_tasks_create(*, plan: Plan, actor) -> int:
    """Create one task per item (place, windows, due at its last window); returns the count.
    Refuses when a unit has no team: nobody would see its patrol."""
    items = list(plan.items.select_related("unit__team", "place__region"))
    orphans = sorted({i.unit.call_sign for i in items if i.unit.team_id is None})
    if orphans:
        raise ApplicationError(
            "These units have no team to receive their patrol: " + ", ".join(orphans)
        )
    for item in items:
        last = max(
            (datetime.fromisoformat(w["start"]) for w in item.windows), default=plan.window_end
        )
        item.task = task_create(
            actor=actor,
            title=_title(item),
            description=_description(item),
            priority=TaskPriority.NORMAL,
            geom=item.place.centroid,
            due_at=max(last, plan.window_end),
            region_id=item.place.region_id,
            assignee_team=item.unit.team,
        )
        item.save(update_fields=["task"])
    return len(items)
