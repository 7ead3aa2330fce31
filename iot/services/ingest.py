"""Storing device messages: the one service behind both doors (the MQTT consumer and
``POST /api/iot/v1/events``).

Every message ends up counted exactly once: stored, a duplicate of a stored event (a QoS-1
resend: same device, id and time), or rejected and kept with its reasons. A batch is one
transaction; if the database refuses it, each message is retried alone, and one that still
fails is kept as rejected with the database's reason, so a bad message never blocks the rest.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

from iot.choices import DeviceStatus
from iot.models import Device, RejectedEvent
from iot.services.correlation import Cand, correlation_assign, correlation_link
from iot.services.devices import KeyOwner, devices_for_keys
from iot.services.partitions import event_day, partitions_for_days
from iot.services.promotion import promotions_enqueue
from iot.services.validation import CleanEvent, event_validate, message_parse

logger = logging.getLogger(__name__)
RAW_KEEP_BYTES = 4096  # of a rejected message's text
Parsed = tuple[dict | None, list[dict]]  # a message's JSON object, or the reasons it has none


@dataclass
class Message:
    """One message as it arrived. ``owner``: the device the HTTPS door authenticated (the
    MQTT door finds it from the key inside the message)."""

    door: str
    body: bytes | str | dict
    received_at: datetime
    topic: str = ""
    heartbeat: bool = False
    owner: KeyOwner | None = None


@dataclass
class Outcome:
    status: str  # stored | duplicate | rejected | heartbeat
    reasons: list[dict] = field(default_factory=list)
    device_id: int | None = None
    clean: CleanEvent | None = None


@dataclass
class IngestResult:
    """One outcome per message, in order; ``promotions``: the candidates whose promotion to
    an incident was enqueued (``iot.services.promotion``)."""

    outcomes: list[Outcome]
    promotions: list[int] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _topic_parts(topic: str) -> tuple[str, str, str] | None:
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != settings.MQTT_TOPIC_ROOT:
        return None
    return parts[1], parts[2], parts[3]


def _reason(code: str, message: str, field_name: str = "*") -> list[dict]:
    return [{"field": field_name, "code": code, "message": message}]


@dataclass(frozen=True)
class DeviceRef:
    """What checking an event needs of its device (read once per batch, no model)."""

    pk: int
    status: str
    lon: float
    lat: float


_Known = tuple[dict[str, KeyOwner], dict[int, DeviceRef]]  # key -> owner, id -> device


def _authenticate(
    message: Message, data: dict, owners: dict[str, KeyOwner]
) -> tuple[KeyOwner | None, list[dict]]:
    if message.owner is not None:
        return message.owner, []
    key = data.get("key")
    owner = owners.get(key) if isinstance(key, str) else None
    if owner is None:
        return None, _reason("unauthenticated", "Missing, unknown or revoked device key.", "key")
    parts = _topic_parts(message.topic)
    if parts is None or (parts[0], parts[1]) != (owner.agency, owner.external_id):
        return None, _reason("wrong_topic", "The key does not belong to this topic's device.")
    return owner, []


def _prepare(message: Message, parsed: Parsed, known: _Known) -> Outcome:
    data, reasons = parsed
    if reasons:
        return Outcome("rejected", reasons)
    owners, devices = known
    owner, reasons = _authenticate(message, data, owners)
    if reasons:
        return Outcome("rejected", reasons)
    device = devices.get(owner.device_id)
    if device is None or device.status == DeviceStatus.DISABLED:
        return Outcome("rejected", _reason("disabled", "The device is disabled."), owner.device_id)
    if message.heartbeat:
        return Outcome("heartbeat", device_id=device.pk)
    clean, reasons = event_validate(
        data=data, device=device, door=message.door, received_at=message.received_at
    )
    if reasons:
        return Outcome("rejected", reasons, device.pk)
    return Outcome("stored", device_id=device.pk, clean=clean)


def _prepare_safely(message: Message, parsed: Parsed, known: _Known) -> Outcome:
    try:
        return _prepare(message, parsed, known)
    except Exception as exc:  # a bug must not lose the message: keep it, with the reason
        logger.exception("checking a device message failed")
        return Outcome("rejected", _reason("internal_error", type(exc).__name__))


def _parse_safely(message: Message) -> Parsed:
    try:
        return message_parse(message.body)
    except Exception as exc:  # a bug must not lose the message: keep it, with the reason
        logger.exception("parsing a device message failed")
        return None, _reason("internal_error", type(exc).__name__)


_DEVICES = "SELECT id, status, ST_X(geom), ST_Y(geom) FROM iot_device WHERE id = ANY(%s)"


def _devices_of(messages: list[Message], parsed: list[Parsed]) -> _Known:
    """The owners of the batch's keys (from the consumer's short-lived key cache, the others
    in one query) and their devices (one query)."""
    keys = [
        data.get("key")
        for message, (data, _reasons) in zip(messages, parsed, strict=True)
        if message.owner is None and data is not None
    ]
    owners = devices_for_keys(keys)
    ids = {m.owner.device_id for m in messages if m.owner}
    ids.update(owner.device_id for owner in owners.values())
    with connection.cursor() as cursor:
        cursor.execute(_DEVICES, [list(ids)])
        return owners, {row[0]: DeviceRef(*row) for row in cursor.fetchall()}


def _topic_device_ids(outcomes: list[Outcome], messages: list[Message]) -> None:
    """A rejected message without a device is counted on the device its topic names."""
    wanted = {
        parts[:2]: None
        for o, m in zip(outcomes, messages, strict=True)
        if o.device_id is None and (parts := _topic_parts(m.topic))
    }
    if not wanted:
        return
    found = {}
    for agency, external_id in wanted:
        found[(agency, external_id)] = (
            Device.objects.filter(agency=agency, external_id=external_id)
            .values_list("pk", flat=True)
            .first()
        )
    for outcome, message in zip(outcomes, messages, strict=True):
        if outcome.device_id is None and (parts := _topic_parts(message.topic)):
            outcome.device_id = found.get(parts[:2])


def messages_ingest(messages: list[Message]) -> IngestResult:
    """Validate and store a batch of messages; returns one outcome per message, in order."""
    if not messages:
        return IngestResult([])
    parsed = [_parse_safely(message) for message in messages]
    devices = _devices_of(messages, parsed)
    outcomes = [
        _prepare_safely(message, p, devices) for message, p in zip(messages, parsed, strict=True)
    ]
    _mark_repeats(outcomes)
    _topic_device_ids(outcomes, messages)
    committed: list[bool] = []
    promotions: list[int] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs before other hooks
            promotions = _store(outcomes, messages)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the caller retries the whole batch later
    except Exception as exc:
        if committed:
            # Stored; a hook after the commit (e.g. the live map's publisher) failed. Storing
            # the batch again would keep its rejected messages twice.
            logger.exception("a hook after storing %d device messages failed", len(messages))
        elif isinstance(exc, DatabaseError):
            logger.exception("storing %d device messages failed; one by one", len(messages))
            return _ingest_one_by_one(outcomes, messages)
        else:
            raise
    return IngestResult(outcomes, promotions)


def _ingest_one_by_one(outcomes: list[Outcome], messages: list[Message]) -> IngestResult:
    promotions: list[int] = []
    for outcome, message in zip(outcomes, messages, strict=True):
        try:
            with transaction.atomic():
                promotions += _store([outcome], [message])
        except DatabaseError as exc:
            outcome.status, outcome.clean = "rejected", None
            outcome.reasons = _reason("storage_error", str(exc).splitlines()[0][:300])
            with transaction.atomic():
                _store([outcome], [message])
    return IngestResult(outcomes, promotions)


def _mark_repeats(outcomes: list[Outcome]) -> None:
    """An event repeated within the batch (a resend arriving beside its original) is a
    duplicate before it reaches the database."""
    seen: set[tuple] = set()
    for outcome in outcomes:
        if outcome.status == "stored":
            key = (outcome.clean.device_id, outcome.clean.uid, outcome.clean.occurred_at)
            if key in seen:
                outcome.status = "duplicate"
            seen.add(key)


class _Resent(Exception):
    """Some events of the batch were stored before (a resend after a reconnect)."""


def _store_events(events: list[CleanEvent]) -> list[Cand]:
    """Insert the events with their candidate (assigned first, in memory and one statement
    per table); returns the candidates to consider for promotion. If a row was stored before
    (a QoS-1 resend across batches) the fast path is undone and the events are inserted
    first, the new ones alone correlated and linked: a resend never counts twice as
    evidence. Marks the events inserted now (not one stored before)."""
    partitions_for_days({event_day(e.occurred_at) for e in events})
    try:
        with transaction.atomic():  # a savepoint
            candidates = correlation_assign(events)
            if _insert_events(events) != len(events):
                raise _Resent
    except _Resent:
        for event in events:
            event.candidate_id = None
        inserted = _insert_events_returning(events)
        new = [e for e in events if (e.device_id, e.uid, e.occurred_at) in inserted]
        candidates = correlation_assign(new)
        for event in new:
            event.id = inserted[(event.device_id, event.uid, event.occurred_at)]
            event.inserted = True
        correlation_link([e for e in new if e.candidate_id is not None])
        return candidates
    for event in events:
        event.inserted = True
    return candidates


def _store(outcomes: list[Outcome], messages: list[Message]) -> list[int]:
    candidates: list[Cand] = []
    events = [o.clean for o in outcomes if o.status == "stored"]
    if events:
        for event in events:  # of an earlier, undone attempt
            event.id = event.candidate_id = None
            event.inserted = False
        candidates = _store_events(events)
        for outcome in outcomes:
            if outcome.status == "stored" and not outcome.clean.inserted:
                outcome.status = "duplicate"  # a resend of an event stored before
    rejected = [
        RejectedEvent(
            device_id=o.device_id,
            door=m.door,
            topic=m.topic[:300],
            raw=_raw_text(m.body),
            reasons=o.reasons,
            received_at=m.received_at,
        )
        for o, m in zip(outcomes, messages, strict=True)
        if o.status == "rejected"
    ]
    if rejected:
        RejectedEvent.objects.bulk_create(rejected)
    _count(outcomes, messages)
    # Once, when it crosses its threshold: a promotion that fails is retried by its task, and
    # one that is lost is found by the sweep (iot.services.promotion).
    return promotions_enqueue([c for c in candidates if c.tipped_now])


def _raw_text(body: bytes | str | dict) -> str:
    if isinstance(body, dict):
        body = json.dumps(body, default=str)
    if isinstance(body, bytes):
        body = body[:RAW_KEEP_BYTES].decode("utf-8", errors="replace")
    return body[:RAW_KEEP_BYTES].replace("\x00", "\ufffd")


_INSERT = (
    "INSERT INTO iot_events (device_id, uid, type, occurred_at, received_at, geom, confidence,"
    " payload, media_ref, door, candidate_id)"
    " SELECT d, u, t, o, r, ST_SetSRID(ST_MakePoint(x, y), 4326), c, p, m, w, k"
    " FROM jsonb_to_recordset(%s::jsonb) AS v(d bigint, u text, t text, o timestamptz,"
    " r timestamptz, x float8, y float8, c float8, p jsonb, m text, w text, k bigint)"
    " ON CONFLICT (device_id, uid, occurred_at) DO NOTHING"
)


def _event_rows(events: list[CleanEvent]) -> str:
    """The events as one JSON array: one parameter (the statement text never changes) and
    one C-encoded string, where a placeholder or array element per value costs ~10 us."""
    return json.dumps(
        [
            {
                "d": e.device_id,
                "u": e.uid,
                "t": e.type,
                "o": e.occurred_at.isoformat(),
                "r": e.received_at.isoformat(),
                "x": e.lon,
                "y": e.lat,
                "c": e.confidence,
                "p": e.payload,
                "m": e.media_ref,
                "w": e.door,
                "k": e.candidate_id,
            }
            for e in events
        ]
    )


def _insert_events(events: list[CleanEvent]) -> int:
    """Insert in one statement; a row already stored (same device, id and time) is skipped
    by the database. Returns how many rows were inserted."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [_event_rows(events)])
        return cursor.rowcount


def _insert_events_returning(events: list[CleanEvent]) -> dict[tuple, int]:
    """As ``_insert_events``; returns (device, uid, time) -> id of the rows inserted now."""
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT + " RETURNING id, device_id, uid, occurred_at", [_event_rows(events)]
        )
        rows = cursor.fetchall()
    return {(device, uid, at): pk for pk, device, uid, at in rows}


_COUNT = (
    "UPDATE iot_device d SET events_accepted = d.events_accepted + v.a,"
    " events_duplicate = d.events_duplicate + v.dup,"
    " events_rejected = d.events_rejected + v.r,"
    " last_seen_at = GREATEST(d.last_seen_at, v.seen)"
    " FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, a int, dup int, r int, seen timestamptz)"
    " WHERE d.id = v.id"
)


def _count(outcomes: list[Outcome], messages: list[Message]) -> None:
    """Add the batch to each device's counters and move its last-seen time forward."""
    counts: dict[int, Counter] = defaultdict(Counter)
    seen: dict[int, datetime] = {}
    for outcome, message in zip(outcomes, messages, strict=True):
        if outcome.device_id is None:
            continue
        counts[outcome.device_id][outcome.status] += 1
        authenticated = outcome.status != "rejected" or outcome.reasons[0]["code"] not in (
            "unauthenticated",
            "wrong_topic",
        )
        if authenticated:
            previous = seen.get(outcome.device_id)
            seen[outcome.device_id] = max(previous or message.received_at, message.received_at)
    if not counts:
        return
    rows = [
        {
            "id": device_id,
            "a": counter["stored"],
            "dup": counter["duplicate"],
            "r": counter["rejected"],
            "seen": seen[device_id].isoformat() if device_id in seen else None,
        }
        for device_id, counter in sorted(counts.items())
    ]
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [json.dumps(rows)])
