"""The demo's heartbeat: a few fresh incidents every tick, through the normal ingest
service, so the live feed moves and the alert rules fire while ``make run`` is up.

Off unless ``DEMO_ACTIVITY`` is true (``make run`` sets it); a real deployment never runs
it by accident. Points fall on land inside the profile's regions (the sample generator's
land mask); one incident in ``CRITICAL_ONE_IN`` is severity 5, so the critical-incident
rule has something to say now and then.
"""

import logging
import uuid
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.generator import land_mask, load_config
from incidents.services import incident_create

logger = logging.getLogger(__name__)

SOURCE = "demo"
CRITICAL_ONE_IN = 12


def demo_activity_enabled() -> bool:
    return bool(getattr(settings, "DEMO_ACTIVITY", False))


def _record(
    rng: np.random.Generator, categories: list[dict], now: datetime, critical: bool = False
) -> dict:
    mask = land_mask()
    region = int(rng.integers(1, len(mask.codes) + 1))
    lon, lat = mask.random_points(rng, region, 1)
    category = categories[int(rng.integers(0, len(categories)))]
    critical = critical or rng.integers(0, CRITICAL_ONE_IN) == 0
    severity = 5 if critical else category["default_severity"]
    occurred = now - timedelta(minutes=int(rng.integers(0, 10)))
    return {
        "external_id": f"demo-{uuid.uuid4().hex[:16]}",
        "category": category["code"],
        "occurred_at": occurred.isoformat(),
        "reported_at": now.isoformat(),
        "lon": round(float(lon[0]), 6),
        "lat": round(float(lat[0]), 6),
        "severity": int(severity),
        "channel": "patrol",
        "description": "Demo activity",
    }


def demo_activity_tick(
    *,
    count: int | None = None,
    critical: int = 0,
    now: datetime | None = None,
    force: bool = False,
) -> list[int]:
    """Ingest ``count`` fresh incidents (``DEMO_ACTIVITY_PER_TICK``, 3) as the demo's
    field reports, the first ``critical`` of them severity 5; returns their ids. Does
    nothing unless the demo activity is on (or ``force``, used by the demo setup)."""
    if not (force or demo_activity_enabled()):
        return []
    now = now or timezone.now()
    count = count if count is not None else getattr(settings, "DEMO_ACTIVITY_PER_TICK", 3)
    rng = np.random.default_rng()
    categories = load_config()["category_table"]
    created = []
    for index in range(count):
        record = _record(rng, categories, now, critical=index < critical)
        try:
            incident = incident_create(record=record, source=SOURCE, actor=None)
        except ValidationError as exc:  # e.g. a point the service area refuses
            logger.info("demo incident refused: %s", exc)
            continue
        created.append(incident.pk)
    return created
