"""Devices and their keys: registering, updating, issuing and rotating keys (audited), and
finding the device a key belongs to (cached briefly: every event carries its key)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from incidents.models import Region
from iot.models import Device, DeviceKey
from khareetaty.audit.services import audit_record

# key -> (device id, agency, external id, valid until): a revoked key stops working within
# this many seconds in a running consumer.
KEY_CACHE_SECONDS = 60
_KEY_CACHE_MAX = 20_000
_key_cache: dict[str, tuple[int, str, str, float]] = {}


@dataclass(frozen=True)
class KeyOwner:
    device_id: int
    agency: str
    external_id: str


def region_at(point: Point) -> Region | None:
    """The region containing ``point`` (the first by code if boundaries overlap)."""
    return Region.objects.filter(geom__contains=point).order_by("profile", "code").first()


@transaction.atomic
def device_create(
    *,
    kind: str,
    agency: str,
    external_id: str,
    lon: float,
    lat: float,
    actor,
    name: str = "",
    heading: int | None = None,
    field_of_view: int | None = None,
    heartbeat_seconds: int = 300,
) -> Device:
    """Register a device (its region found from its location). Audited."""
    point = Point(lon, lat, srid=4326)
    device = Device(
        kind=kind,
        agency=agency,
        external_id=external_id,
        name=name,
        geom=point,
        heading=heading,
        field_of_view=field_of_view,
        heartbeat_seconds=heartbeat_seconds,
        region=region_at(point),
    )
    device.full_clean()
    device.save()
    audit_record(action="create", actor=actor, obj=device, summary={"device": str(device)})
    return device


@transaction.atomic
def device_key_issue(*, device: Device, actor, name: str = "") -> tuple[DeviceKey, str]:
    """Give ``device`` a new key and revoke its others (rotation); the key text is returned
    once and only its hash is kept. Audited."""
    revoked = list(device.keys.filter(revoked=False).values_list("prefix", flat=True))
    for key in device.keys.filter(revoked=False):
        key.revoked = True
        key.save(update_fields=["revoked"])
    api_key, text = DeviceKey.objects.create_key(device=device, name=name or str(device)[:50])
    audit_record(
        action="key_issue",
        actor=actor,
        obj=device,
        summary={"prefix": api_key.prefix, "revoked": revoked},
    )
    _key_cache.clear()
    return api_key, text


@transaction.atomic
def device_key_revoke(*, key: DeviceKey, actor) -> DeviceKey:
    """Revoke one key (cannot be undone). Audited."""
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])
        audit_record(
            action="key_revoke", actor=actor, obj=key.device, summary={"prefix": key.prefix}
        )
    _key_cache.clear()
    return key


def _well_formed(key: object) -> bool:
    return isinstance(key, str) and 10 <= len(key) <= 200


def device_for_key(key: object) -> KeyOwner | None:
    """The device a key belongs to, or None (unknown, revoked, expired or not text)."""
    return devices_for_keys([key]).get(key) if _well_formed(key) else None


def devices_for_keys(keys) -> dict[str, KeyOwner]:
    """The devices the valid keys among ``keys`` belong to (a key absent from the answer is
    unknown, revoked, expired or not text): from the cache, the others in one query."""
    now = time.monotonic()
    found: dict[str, KeyOwner] = {}
    missing: dict[str, str] = {}  # prefix -> key
    for key in keys:
        if not _well_formed(key) or key in found:
            continue
        cached = _key_cache.get(key)
        if cached and cached[3] > now:
            found[key] = KeyOwner(*cached[:3])
        else:
            missing[key.partition(".")[0]] = key
    if missing:
        found.update(_keys_lookup(missing, now))
    return found


def _keys_lookup(missing: dict[str, str], now: float) -> dict[str, KeyOwner]:
    rows = DeviceKey.objects.filter(prefix__in=list(missing), revoked=False).values_list(
        "prefix", "hashed_key", "expiry_date", "device_id", "device__agency", "device__external_id"
    )
    verify, moment = DeviceKey.objects.key_generator.verify, timezone.now()
    if len(_key_cache) + len(missing) >= _KEY_CACHE_MAX:
        _key_cache.clear()
    found = {}
    for prefix, hashed, expiry, device_id, agency, external_id in rows:
        key = missing[prefix]
        if (expiry is None or expiry >= moment) and verify(key, hashed):
            found[key] = KeyOwner(device_id, agency, external_id)
            _key_cache[key] = (device_id, agency, external_id, now + KEY_CACHE_SECONDS)
    return found


def key_cache_clear() -> None:
    _key_cache.clear()
