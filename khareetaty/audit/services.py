"""The audit trail: append an entry, write a signed checkpoint of the chain's head, verify."""

import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_guid import get_guid

from khareetaty.audit.chain import (
    checkpoint_signature,
    current_key_id,
    entry_digest,
)
from khareetaty.audit.context import current_request
from khareetaty.audit.models import ActionLog

logger = logging.getLogger("khareetaty.audit")

# Serialises appends so each entry chains onto the one before it.
_CHAIN_LOCK_KEY = 7_418_270_001


def _text(value, limit: int) -> str:
    """PostgreSQL text cannot hold NUL; longer values than the column would be refused."""
    return str(value).replace("\x00", "")[:limit]


def _as_stored(summary: dict, ip_address: str | None) -> tuple[dict, str | None]:
    """The summary and address exactly as the database will return them.

    JSONB and inet normalise values (JSONB has no negative zero and rewrites ``1e+16`` as an
    integer; inet compresses IPv6). Hashing the Python value instead of the stored one made
    the chain report itself broken at the first ``regions_load`` of a fresh install (an area
    change of ``-0.0`` %), so the digest covers what a later read will see.
    """
    text = json.dumps(summary, default=str, ensure_ascii=False).replace("\\u0000", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text, host(%s::inet)", [text, ip_address])
        stored_summary, stored_ip = cursor.fetchone()
    return json.loads(stored_summary), stored_ip


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: dict | None = None,
) -> ActionLog:
    """Append one entry to the audit trail, chained (HMAC) to the previous entry."""
    context = current_request.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = ActionLog(
        actor_id=actor.pk if authenticated else None,
        actor_username=_text(actor.get_username(), 150) if authenticated else "",
        actor_role=_text(getattr(actor, "role", ""), 32) if authenticated else "",
        action=_text(action, 64),
        object_type=_text(object_type, 100),
        object_id="" if object_id is None else _text(object_id, 64),
        user_agent=_text(context.user_agent, 512),
        request_id=_text(get_guid() or "", 64),
        key_id=current_key_id(),
    )
    with transaction.atomic():
        entry.summary, entry.ip_address = _as_stored(summary or {}, context.ip_address)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = ActionLog.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry.previous_hash = last or ""
        entry.created_at = timezone.now()
        entry.entry_hash = entry_digest(entry, entry.previous_hash)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Checkpoint:
    entry_id: int
    entry_hash: str
    at: str
    key_id: str
    signature: str

    def as_dict(self) -> dict:
        return {
            "id": self.entry_id,
            "entry_hash": self.entry_hash,
            "at": self.at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def audit_checkpoint(*, path: Path | None = None) -> Checkpoint | None:
    """Anchor the chain's head outside the database: log a signed checkpoint and append it to
    ``settings.AUDIT_CHECKPOINT_FILE`` (which backups take). A later rewrite or truncation of
    the table below a checkpoint is then visible to ``audit_verify``."""
    head = ActionLog.objects.order_by("-id").values_list("id", "entry_hash").first()
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    if head is None or _last_checkpoint_head(path) == head:
        return None  # nothing new to anchor
    key_id = current_key_id()
    at = timezone.now().isoformat(timespec="seconds")
    signature = checkpoint_signature(entry_id=head[0], entry_hash=head[1], at=at, key_id=key_id)
    checkpoint = Checkpoint(head[0], head[1], at, key_id, signature)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        file.write(json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n")
    logger.info("audit checkpoint", extra={"audit_checkpoint": checkpoint.as_dict()})
    return checkpoint


def _last_checkpoint_head(path: Path) -> tuple[int, str] | None:
    """(id, hash) of the file's last checkpoint, read from its end."""
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - 4096))
            last = file.read().splitlines()[-1]
        item = json.loads(last)
        return int(item["id"]), str(item["entry_hash"])
    except (OSError, IndexError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    first_broken_id: int | None
    reason: str = ""
    legacy: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problems


def _chain_walk() -> tuple[int, int, int | None, str]:
    """(keyed entries verified, legacy entries, first broken id, reason)."""
    key_id = current_key_id()
    previous_hash, checked, legacy, keyed_started = "", 0, 0, False
    for entry in ActionLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous_hash:
            return checked, legacy, entry.id, "link to the previous entry is broken"
        if not entry.key_id:
            if keyed_started:
                return checked, legacy, entry.id, "unkeyed entry after the keyed chain began"
            legacy += 1
            previous_hash = entry.entry_hash
            continue
        keyed_started = True
        if entry.key_id != key_id:
            return (
                checked,
                legacy,
                entry.id,
                (f"written with another key (key id {entry.key_id}, configured {key_id})"),
            )
        if not _same(entry.entry_hash, entry_digest(entry, previous_hash)):
            return checked, legacy, entry.id, "entry content does not match its keyed hash"
        previous_hash = entry.entry_hash
        checked += 1
    return checked, legacy, None, ""


def _same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def _checkpoint_problems(path: Path) -> tuple[int, list[str]]:
    """Each checkpoint must carry a valid signature and match the entry it names."""
    if not path.exists():
        return 0, []
    problems: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    hashes = dict(ActionLog.objects.values_list("id", "entry_hash"))
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            expected = checkpoint_signature(
                entry_id=int(item["id"]),
                entry_hash=str(item["entry_hash"]),
                at=str(item["at"]),
                key_id=str(item["key_id"]),
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint line {number} is unreadable")
            continue
        if not _same(str(item.get("signature", "")), expected):
            problems.append(f"checkpoint line {number} has an invalid signature")
        elif hashes.get(item["id"]) != item["entry_hash"]:
            problems.append(
                f"checkpoint line {number}: entry {item['id']} is missing or was rewritten"
            )
    return len(lines), problems


def audit_verify(*, checkpoint_path: Path | None = None) -> ChainVerification:
    """Walk the chain in order with the configured key, then check every signed checkpoint."""
    checked, legacy, broken_id, reason = _chain_walk()
    count, problems = _checkpoint_problems(Path(checkpoint_path or settings.AUDIT_CHECKPOINT_FILE))
    return ChainVerification(checked, broken_id, reason, legacy, count, problems)
