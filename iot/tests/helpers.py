import json
from datetime import UTC, datetime

from iot.choices import Door
from iot.services.ingest import IngestResult, Message, messages_ingest
from iot.tasks import candidate_promote_task


def event(uid: str, *, type: str = "tamper", at: datetime | str | None = None, **extra) -> dict:
    at = at or datetime.now(UTC)
    return {
        "id": uid,
        "type": type,
        "at": at if isinstance(at, str) else at.isoformat(),
        "confidence": 0.5,
        **extra,
    }


def mqtt_message(device, key: str, body: dict | bytes, *, heartbeat: bool = False) -> Message:
    if isinstance(body, dict):
        body = json.dumps({"key": key, **body}).encode()
    suffix = "heartbeat" if heartbeat else "events"
    return Message(
        door=Door.MQTT,
        body=body,
        received_at=datetime.now(UTC),
        topic=f"khareetaty/{device.agency}/{device.external_id}/{suffix}",
        heartbeat=heartbeat,
    )


def ingest_and_promote(messages: list[Message]) -> IngestResult:
    """Store a batch, then run the promotions it enqueued after its commit, as the alerts
    worker does (a test transaction never commits, so the enqueued tasks are never sent)."""
    result = messages_ingest(messages)
    for candidate_id in result.promotions:
        candidate_promote_task(candidate_id)
    return result
