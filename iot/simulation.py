"""Simulated device fleets and their traffic, shared by ``simulate_devices``, the demo and
the benchmark: devices placed in clusters of three (about 150 m apart) around the regions'
centres, realistic background noise, true incidents seen by several sensors at once, a
device that goes silent and a stuck one spamming."""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from incidents.models import Region
from iot.models import Device
from iot.services.devices import device_create, device_for_key, device_key_issue

KINDS = ["acoustic", "acoustic", "acoustic", "cctv", "cctv", "anpr", "panic", "environmental"]
NOISE = {
    "acoustic": [("gunshot", 0.1, 0.4)],
    "cctv": [("crowd", 0.1, 0.5), ("loitering", 0.2, 0.6), ("tamper", 0.5, 0.9)],
    "anpr": [("plate_hit", 0.1, 0.4)],
    "panic": [("tamper", 0.3, 0.7)],
    "environmental": [("smoke", 0.1, 0.5)],
}
FALLBACK_CENTRE = (47.98, 29.37)


@dataclass
class SimDevice:
    pk: int
    agency: str
    external_id: str
    kind: str
    lon: float
    lat: float
    key: str

    @property
    def topic(self) -> str:
        return f"{settings.MQTT_TOPIC_ROOT}/{self.agency}/{self.external_id}"


def _centres() -> list[tuple[float, float]]:
    points = [r.geom.point_on_surface for r in Region.objects.filter(profile="kuwait")]
    return [(p.x, p.y) for p in points] or [FALLBACK_CENTRE]


def _keys_file(agency: str) -> Path:
    return Path(settings.VAR_DIR) / f"iot-{agency}-keys.json"


def fleet_ensure(
    *, count: int, agency: str, seed: int = 7, heartbeat_seconds: int = 60
) -> list[SimDevice]:
    """``count`` devices of ``agency`` (created once, in clusters of three), each with a key
    (kept in var/iot-<agency>-keys.json, mode 600, so a rerun reuses them)."""
    rng = random.Random(seed)
    centres = _centres()
    path = _keys_file(agency)
    keys = json.loads(path.read_text()) if path.exists() else {}
    existing = {d.external_id: d for d in Device.objects.filter(agency=agency)}
    fleet = []
    for index in range(count):
        external_id = f"{agency}-{index:05d}"
        cluster = index // 3
        cx, cy = centres[cluster % len(centres)]
        crng = random.Random(seed * 100_003 + cluster)
        angle, distance = crng.uniform(0, 2 * math.pi), crng.uniform(0, 0.05)
        lon = cx + distance * math.cos(angle) + rng.uniform(-0.0008, 0.0008)
        lat = cy + distance * math.sin(angle) + rng.uniform(-0.0008, 0.0008)
        kind = "acoustic" if cluster % 2 == 0 else KINDS[cluster % len(KINDS)]
        device = existing.get(external_id)
        if device is None:
            device = device_create(
                kind=kind,
                agency=agency,
                external_id=external_id,
                lon=lon,
                lat=lat,
                actor=None,
                heartbeat_seconds=heartbeat_seconds,
                heading=rng.randrange(360) if kind == "cctv" else None,
                field_of_view=90 if kind == "cctv" else None,
            )
        key = keys.get(external_id)
        if not key or device_for_key(key) is None:
            _k, key = device_key_issue(device=device, actor=None)
            keys[external_id] = key
        fleet.append(
            SimDevice(
                device.pk, agency, external_id, device.kind, device.geom.x, device.geom.y, key
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return fleet


def event_body(
    device: SimDevice, *, type: str, confidence: float, at: datetime | None = None
) -> dict:
    return {
        "key": device.key,
        "id": uuid.uuid4().hex[:24],
        "type": type,
        "at": (at or datetime.now(UTC)).isoformat(),
        "confidence": round(confidence, 3),
        "lon": round(device.lon + random.uniform(-0.0002, 0.0002), 6),
        "lat": round(device.lat + random.uniform(-0.0002, 0.0002), 6),
        "payload": {"sim": True},
    }


def noise_body(device: SimDevice, rng: random.Random) -> dict:
    kind, low, high = rng.choice(NOISE.get(device.kind, NOISE["cctv"]))
    return event_body(device, type=kind, confidence=rng.uniform(low, high))


def cluster_of(fleet: list[SimDevice], index: int) -> list[SimDevice]:
    """The (up to three) acoustic devices of one cluster: a true gunshot's witnesses."""
    cluster = index * 2 % max(len(fleet) // 3, 1)
    start = (cluster - cluster % 2) * 3  # even clusters are acoustic
    return [d for d in fleet[start : start + 3] if d.kind == "acoustic"]
