"""Events an agency pushes for its own devices through the partner API
(``POST /api/interop/v1/events``, an interop key with ``events:write``).

Each event names its device by the device's external id (``device``); the agency is the key's
agency, so an agency reaches only its own devices. Everything else is the one ingest service
both device doors use (``messages_ingest``): the same validation, the same duplicate rule
(same device, id and time) and rejected events kept with their reasons.
"""

from __future__ import annotations

import json
from datetime import datetime

from iot.choices import Door
from iot.models import Device, RejectedEvent
from iot.services.devices import KeyOwner
from iot.services.ingest import RAW_KEEP_BYTES, Message, Outcome, messages_ingest

UNKNOWN_DEVICE = [
    {
        "field": "device",
        "code": "unknown_device",
        "message": "No device of this agency has this external id.",
    }
]


def _device_id(event: dict) -> str | None:
    value = event.get("device")
    return value if isinstance(value, str) else None


def agency_events_ingest(
    *, agency_code: str, events: list[dict], received_at: datetime
) -> list[Outcome]:
    """One outcome per event, in order: stored, duplicate, or rejected with every reason.
    An event naming no device of ``agency_code`` is rejected here and kept, like every
    rejected event, without a device; the others go through ``messages_ingest`` as the
    HTTPS door's would."""
    wanted = {name for event in events if (name := _device_id(event))}
    devices = {
        d.external_id: d for d in Device.objects.filter(agency=agency_code, external_id__in=wanted)
    }
    outcomes: list[Outcome | None] = [None] * len(events)
    messages, positions = [], []
    for index, event in enumerate(events):
        device = devices.get(_device_id(event) or "")
        if device is None:
            outcomes[index] = Outcome("rejected", list(UNKNOWN_DEVICE))
            _keep_unknown(agency_code, event, received_at)
            continue
        owner = KeyOwner(device.pk, device.agency, device.external_id)
        body = {k: v for k, v in event.items() if k not in ("device", "key")}
        messages.append(Message(door=Door.HTTPS, body=body, received_at=received_at, owner=owner))
        positions.append(index)
    if messages:
        for index, outcome in zip(positions, messages_ingest(messages).outcomes, strict=True):
            outcomes[index] = outcome
    return outcomes


def _keep_unknown(agency_code: str, event: dict, received_at: datetime) -> None:
    raw = json.dumps(event, ensure_ascii=False, default=str)[:RAW_KEEP_BYTES]
    RejectedEvent.objects.create(
        door=Door.HTTPS,
        topic=f"interop/{agency_code}"[:300],
        raw=raw.replace("\x00", "\ufffd"),
        reasons=list(UNKNOWN_DEVICE),
        received_at=received_at,
    )
