"""Live feed: what the dashboard and field view hear over the WebSocket.

Receivers here turn domain signals (a new incident, an accepted ingest batch, an alert or a
task that changed) into small events on the channel layer's ``live`` group, published after
the transaction commits so a browser never fetches a row that is not there yet. Publishing
is a single Redis ``PUBLISH``-sized call, cheaper than enqueuing a Celery task, so it is done
in ``on_commit`` directly; a failure to publish is logged and never breaks the write.

Events carry ids and the few fields the map needs; clients fetch details through the API,
which applies each user's permissions.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import receiver
from redis.exceptions import RedisError

from commands.signals import alert_changed, task_changed
from incidents.models import Incident
from incidents.signals import batch_accepted, incident_created

logger = logging.getLogger(__name__)

LIVE_GROUP = "live"
# Above this many incidents a batch is announced as one event and clients reload the layer.
BATCH_DETAIL_LIMIT = 200


def live_publish(*, kind: str, data: dict[str, Any]) -> None:
    """Send one event to every connected dashboard and field view."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            LIVE_GROUP, {"type": "live.event", "event": {"kind": kind, **data}}
        )
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
        kind="incidents.created", data={"incidents": incident_events(incident_ids=incident_ids)}
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
        lambda: live_publish(kind="incidents.batch", data={"batch_id": batch_id, "count": count})
    )


@receiver(alert_changed, dispatch_uid="commands_live_alert_changed")
def on_alert_changed(sender, alert_id: int, **kwargs) -> None:
    # Sent after commit already (commands.signals), so publish at once.
    live_publish(kind="alert.changed", data={"id": alert_id})


@receiver(task_changed, dispatch_uid="commands_live_task_changed")
def on_task_changed(sender, task_id: int, **kwargs) -> None:
    live_publish(kind="task.changed", data={"id": task_id})
