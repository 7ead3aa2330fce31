"""The keyed hash chain of the audit trail: canonical form, entry digests, signed checkpoints.

Each entry's hash is an HMAC-SHA256, under ``settings.AUDIT_HMAC_KEY`` (held outside the
database), of the previous entry's hash and this entry's fields. Whoever can write to the
database but does not hold the key cannot recompute a consistent chain. Entries written before
the chain was keyed have an empty ``key_id`` and a plain SHA-256 hash: they are reported as
legacy and not trusted.
"""

import hashlib
import hmac
import json

from django.conf import settings

HASHED_FIELDS = (
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


def _key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


def current_key_id() -> str:
    """A public fingerprint of the configured key: tells which key wrote an entry."""
    return hmac.new(_key(), b"khareetaty audit key id", hashlib.sha256).hexdigest()[:16]


def canonical_fields(entry) -> str:
    """The entry's hashed fields as canonical JSON. ``summary`` and ``ip_address`` must be in
    the form the database returns them (see ``services._as_stored``), or a value that the
    database normalises (``-0.0`` in JSONB, say) would break the chain on the way back."""
    payload = {name: getattr(entry, name) for name in HASHED_FIELDS}
    payload["created_at"] = entry.created_at.isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)


def entry_digest(entry, previous_hash: str) -> str:
    """HMAC-SHA256 over the key id, the previous hash and the entry's canonical fields."""
    message = f"{entry.key_id}|{previous_hash}|{canonical_fields(entry)}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def checkpoint_signature(*, entry_id: int, entry_hash: str, at: str, key_id: str) -> str:
    message = f"checkpoint|{key_id}|{entry_id}|{entry_hash}|{at}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()
