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
from iot.models import Candidate, Device, RejectedEvent
from iot.services.correlation import correlation_assign, correlation_link
from iot.services.devices import KeyOwner, device_for_key
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


def _authenticate(message: Message, data: dict) -> tuple[KeyOwner | None, list[dict]]:
    if message.owner is not None:
        return message.owner, []
    owner = device_for_key(data.get("key"))
    if owner is None:
        return None, _reason("unauthenticated", "Missing, unknown or revoked device key.", "key")
    parts = _topic_parts(message.topic)
    if parts is None or (parts[0], parts[1]) != (owner.agency, owner.external_id):
        return None, _reason("wrong_topic", "The key does not belong to this topic's device.")
    return owner, []


def _prepare(message: Message, parsed: Parsed, devices: dict[int, Device]) -> Outcome:
    data, reasons = parsed
    if reasons:
        return Outcome("rejected", reasons)
    owner, reasons = _authenticate(message, data)
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


def _prepare_safely(message: Message, parsed: Parsed, devices: dict[int, Device]) -> Outcome:
    try:
        return _prepare(message, parsed, devices)
    except Exception as exc:  # a bug must not lose the message: keep it, with the reason
        logger.exception("checking a device message failed")
        return Outcome("rejected", _reason("internal_error", type(exc).__name__))


def _parse_safely(message: Message) -> Parsed:
    try:
        return message_parse(message.body)
    except Exception as exc:  # a bug must not lose the message: keep it, with the reason
        logger.exception("parsing a device message failed")
        return None, _reason("internal_error", type(exc).__name__)


def _devices_of(messages: list[Message], parsed: list[Parsed]) -> dict[int, Device]:
    """The devices the batch's keys name, in one query (the keys come from the consumer's
    short-lived key cache, so a steady stream costs no key lookups)."""
    ids = {m.owner.device_id for m in messages if m.owner}
    for message, (data, _reasons) in zip(messages, parsed, strict=True):
        if message.owner is None and data is not None:
            owner = device_for_key(data.get("key"))
            if owner:
                ids.add(owner.device_id)
    return Device.objects.only("pk", "geom", "status", "agency", "external_id").in_bulk(ids)


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


def _store_events(events: list[CleanEvent]) -> list[Candidate]:
    """Insert the events with their candidate (assigned first, in memory and one statement
    per table); returns the candidates to consider for promotion. If a row was stored before
    (a QoS-1 resend across batches) the fast path is undone and the events are inserted
    first, the new ones alone correlated and linked: a resend never counts twice as
    evidence. Marks each event's id (None for one stored before)."""
    partitions_for_days({event_day(e.occurred_at) for e in events})
    try:
        with transaction.atomic():  # a savepoint
            candidates = correlation_assign(events)
            inserted = _insert_events(events)
            if len(inserted) != len(events):
                raise _Resent
    except _Resent:
        for event in events:
            event.candidate_id = None
        inserted = _insert_events(events)
        new = [e for e in events if (e.device_id, e.uid, e.occurred_at) in inserted]
        candidates = correlation_assign(new)
        for event in new:
            event.id = inserted[(event.device_id, event.uid, event.occurred_at)]
        correlation_link([e for e in new if e.candidate_id is not None])
        return candidates
    for event in events:
        event.id = inserted[(event.device_id, event.uid, event.occurred_at)]
    return candidates


def _store(outcomes: list[Outcome], messages: list[Message]) -> list[int]:
    candidates: list[Candidate] = []
    events = [o.clean for o in outcomes if o.status == "stored"]
    if events:
        for event in events:
            event.id = event.candidate_id = None  # of an earlier, undone attempt
        candidates = _store_events(events)
        for outcome in outcomes:
            if outcome.status == "stored" and outcome.clean.id is None:
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
    return promotions_enqueue(candidates)


def _raw_text(body: bytes | str | dict) -> str:
    if isinstance(body, dict):
        body = json.dumps(body, default=str)
    if isinstance(body, bytes):
        body = body[:RAW_KEEP_BYTES].decode("utf-8", errors="replace")
    return body[:RAW_KEEP_BYTES].replace("\x00", "\ufffd")


_INSERT = (
    "INSERT INTO iot_events (device_id, uid, type, occurred_at, received_at, geom, confidence,"
    " payload, media_ref, door, candidate_id)"
    " SELECT d, u, t, o, r, ST_SetSRID(ST_MakePoint(x, y), 4326), c, p::jsonb, m, w, k"
    " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[],"
    " %s::float8[], %s::float8[], %s::float8[], %s::text[], %s::text[], %s::text[],"
    " %s::bigint[]) AS v(d, u, t, o, r, x, y, c, p, m, w, k)"
    " ON CONFLICT (device_id, uid, occurred_at) DO NOTHING"
    " RETURNING id, device_id, uid, occurred_at"
)


def _insert_events(events: list[CleanEvent]) -> dict[tuple, int]:
    """Insert in one statement (one array per column: the statement text stays the same
    whatever the batch size); a row already stored (same device, id and time) is skipped by
    the database. Returns (device, uid, time) -> id of the rows inserted now."""
    columns: list[list] = [[] for _ in range(12)]
    for e in events:
        row = (e.device_id, e.uid, e.type, e.occurred_at, e.received_at, e.lon, e.lat)
        row += (e.confidence, json.dumps(e.payload), e.media_ref, e.door, e.candidate_id)
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, columns)
        rows = cursor.fetchall()
    return {(device, uid, at): pk for pk, device, uid, at in rows}


_COUNT = (
    "UPDATE iot_device d SET events_accepted = d.events_accepted + v.a,"
    " events_duplicate = d.events_duplicate + v.dup,"
    " events_rejected = d.events_rejected + v.r,"
    " last_seen_at = GREATEST(d.last_seen_at, v.seen)"
    " FROM (VALUES {rows}) AS v(id, a, dup, r, seen) WHERE d.id = v.id"
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
    rows, params = [], []
    for device_id, counter in sorted(counts.items()):
        rows.append("(%s, %s, %s, %s, %s::timestamptz)")
        params += [device_id, counter["stored"], counter["duplicate"], counter["rejected"]]
        params.append(seen.get(device_id))
    sql = _COUNT.format(rows=", ".join(rows))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
