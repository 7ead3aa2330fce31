import json
from datetime import UTC, datetime

from iot.choices import Door
from iot.services.ingest import Message


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
