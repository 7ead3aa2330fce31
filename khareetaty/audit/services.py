"""The audit trail: append an entry, verify the chain."""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone
from django_guid import get_guid

from khareetaty.audit.context import current_request
from khareetaty.audit.models import ActionLog

# Serialises appends so each entry chains onto the one before it.
_CHAIN_LOCK_KEY = 7_418_270_001
_HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "summary",
    "ip_address",
    "user_agent",
    "request_id",
)


def entry_digest(entry: ActionLog, previous_hash: str) -> str:
    """SHA-256 over the previous hash and this entry's fields, in a canonical JSON form."""
    payload = {name: getattr(entry, name) for name in _HASHED_FIELDS}
    payload["created_at"] = entry.created_at.isoformat(timespec="microseconds")
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: dict | None = None,
) -> ActionLog:
    """Append one entry to the audit trail, chained to the previous entry."""
    context = current_request.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = ActionLog(
        actor_id=actor.pk if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        summary=json.loads(json.dumps(summary or {}, default=str)),
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        request_id=get_guid() or "",
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = ActionLog.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry.previous_hash = last or ""
        entry.created_at = timezone.now()
        entry.entry_hash = entry_digest(entry, entry.previous_hash)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def audit_verify() -> ChainVerification:
    """Walk the chain in order and report the first entry whose hash or link does not hold."""
    previous_hash = ""
    checked = 0
    for entry in ActionLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous_hash:
            return ChainVerification(checked, entry.id, "link to the previous entry is broken")
        if entry.entry_hash != entry_digest(entry, previous_hash):
            return ChainVerification(checked, entry.id, "entry content does not match its hash")
        previous_hash = entry.entry_hash
        checked += 1
    return ChainVerification(checked, None)
