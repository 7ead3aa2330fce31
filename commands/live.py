"""Live feed: what the dashboard and field view hear over the WebSocket.

Receivers here turn domain signals (a new incident, an accepted ingest batch, an alert or a
task that changed) into small events on the channel layer, published after the transaction
commits so a browser never fetches a row that is not there yet. Publishing is a single Redis
``PUBLISH``-sized call per group, cheaper than enqueuing a Celery task, so it is done in
``on_commit`` directly; a failure to publish is logged and never breaks the write.

Who hears what follows the role policy: command staff (analysts, superadmins) and viewers
hear every event, incident coordinates included; field supervisors hear only the tasks
assigned to them or to one of their teams, never the incident feed.

Every event carries a sequence number per kind (``seq``), also sent in the socket's
``hello``: a page that reconnects compares them and reloads only what changed meanwhile.

Events carry ids and the few fields the map needs; clients fetch details through the API,
which applies each user's permissions.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from redis.exceptions import RedisError

from commands.models import Task
from commands.signals import alert_changed, task_changed
from incidents.models import Incident
from incidents.signals import batch_accepted, incident_created
from khareetaty.accounts.choices import Role
from khareetaty.throttling import cache_count

logger = logging.getLogger(__name__)

STAFF_GROUP = "live.staff"
VIEWER_GROUP = "live.viewer"
# Groups that hear the whole feed: incidents, alerts, every task.
WATCH_GROUPS = (STAFF_GROUP, VIEWER_GROUP)
ROLE_GROUPS = {Role.SUPERADMIN: STAFF_GROUP, Role.ANALYST: STAFF_GROUP, Role.VIEWER: VIEWER_GROUP}
# Above this many incidents a batch is announced as one event and clients reload the layer.
BATCH_DETAIL_LIMIT = 200
# What a reconnecting page may have missed, one counter each (see ``live_sequences``).
SEQUENCE_KINDS = ("incidents", "alerts", "tasks")
SEQUENCE_KEY = "live-seq:{}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


def team_group(team_id: int) -> str:
    return f"live.team.{team_id}"


def live_groups(*, role: str, user_id: int, team_ids: list[int]) -> set[str]:
    """The groups a socket of this user joins."""
    groups = {user_group(user_id)} | {team_group(team_id) for team_id in team_ids}
    if role in ROLE_GROUPS:
        groups.add(ROLE_GROUPS[role])
    return groups


def live_sequences() -> dict[str, int]:
    """The current sequence number of each event kind (0 before the first event)."""
    found = cache.get_many([SEQUENCE_KEY.format(kind) for kind in SEQUENCE_KINDS])
    return {kind: int(found.get(SEQUENCE_KEY.format(kind), 0)) for kind in SEQUENCE_KINDS}


def _next_sequence(kind: str) -> int:
    return cache_count(SEQUENCE_KEY.format(kind), timeout=None)


def live_publish(
    *, kind: str, data: dict[str, Any], sequence: str, groups: tuple[str, ...] = WATCH_GROUPS
) -> None:
    """Send one event to the given groups (by default every dashboard)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        event = {"kind": kind, "seq": {sequence: _next_sequence(sequence)}, **data}
        for group in groups:
            async_to_sync(layer.group_send)(group, {"type": "live.event", "event": event})
    except (OSError, RedisError):
        logger.warning("live event %s could not be published", kind, exc_info=True)


def incident_events(*, incident_ids: list[int]) -> list[dict[str, Any]]:
    """The map-sized description of the given incidents, in one query."""
    rows = (
        Incident.objects.filter(pk__in=incident_ids)
        .select_related("category", "region")
        .only(
            "pk",
            "geom",
            "severity",
            "occurred_at",
            "category__code",
            "category__name_en",
            "category__name_ar",
            "region__code",
        )
    )
    return [
        {
            "id": row.pk,
            "lat": row.geom.y,
            "lon": row.geom.x,
            "severity": row.severity,
            "occurred_at": row.occurred_at.isoformat(),
            "category": row.category.code,
            "category_en": row.category.name_en,
            "category_ar": row.category.name_ar,
            "region": row.region.code if row.region_id else None,
        }
        for row in rows
    ]


def _publish_incidents(incident_ids: list[int]) -> None:
    live_publish(
        kind="incidents.created",
        data={"incidents": incident_events(incident_ids=incident_ids)},
        sequence="incidents",
    )


@receiver(incident_created, dispatch_uid="commands_live_incident_created")
def on_incident_created(sender, incident_id: int, **kwargs) -> None:
    transaction.on_commit(lambda: _publish_incidents([incident_id]))


@receiver(batch_accepted, dispatch_uid="commands_live_batch_accepted")
def on_batch_accepted(
    sender, batch_id: int, incident_ids: list[int] | None = None, **kwargs
) -> None:
    if incident_ids and len(incident_ids) <= BATCH_DETAIL_LIMIT:
        ids = list(incident_ids)
        transaction.on_commit(lambda: _publish_incidents(ids))
        return
    count = len(incident_ids) if incident_ids else None
    transaction.on_commit(
        lambda: live_publish(
            kind="incidents.batch",
            data={"batch_id": batch_id, "count": count},
            sequence="incidents",
        )
    )


@receiver(alert_changed, dispatch_uid="commands_live_alert_changed")
def on_alert_changed(sender, alert_id: int, **kwargs) -> None:
    # Sent after commit already (commands.signals), so publish at once.
    live_publish(kind="alert.changed", data={"id": alert_id}, sequence="alerts")


@receiver(task_changed, dispatch_uid="commands_live_task_changed")
def on_task_changed(sender, task_id: int, **kwargs) -> None:
    live_publish(
        kind="task.changed", data={"id": task_id}, sequence="tasks", groups=task_groups(task_id)
    )


def task_groups(task_id: int) -> tuple[str, ...]:
    """The whole-feed groups plus the task's assigned user and team."""
    row = Task.objects.filter(pk=task_id).values("assignee_user_id", "assignee_team_id").first()
    groups = list(WATCH_GROUPS)
    if row and row["assignee_user_id"]:
        groups.append(user_group(row["assignee_user_id"]))
    if row and row["assignee_team_id"]:
        groups.append(team_group(row["assignee_team_id"]))
    return tuple(groups)
