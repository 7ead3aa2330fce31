"""Reads of the iot app, shared by the API, pages and jobs."""

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from iot.models import Candidate, Device, Event, RejectedEvent


def device_list() -> QuerySet[Device]:
    return Device.objects.select_related("region").order_by("agency", "external_id")


DEVICE_MAP_MAX = 5000


def device_health(device: Device) -> str:
    """ok, silent, flooding, disabled, or never (heard)."""
    if device.status == "disabled":
        return "disabled"
    if device.silent_since:
        return "silent"
    if device.rate_flagged_at:
        return "flooding"
    return "ok" if device.last_seen_at else "never"


def device_features(devices) -> dict:
    """Devices as a GeoJSON FeatureCollection for the dashboard's device layer."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": d.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(d.geom.x, 6), round(d.geom.y, 6)],
                },
                "properties": {
                    "name": str(d),
                    "kind": d.kind,
                    "health": device_health(d),
                    "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                    "heading": d.heading,
                    "field_of_view": d.field_of_view,
                },
            }
            for d in devices
        ],
    }


def event_list() -> QuerySet[Event]:
    return Event.objects.select_related("device").order_by("-occurred_at", "-id")


def candidate_list() -> QuerySet[Candidate]:
    return Candidate.objects.order_by("-last_at")


def device_stats(*, device: Device, now: datetime | None = None) -> dict:
    """What a device sent: counters since registration, events per type over the last 24
    hours and 7 days, and its latest rejections with their reasons."""
    now = now or timezone.now()
    recent = Event.objects.filter(device_id=device.pk)

    def by_type(since: datetime) -> dict[str, int]:
        rows = recent.filter(occurred_at__gte=since).values("type").annotate(n=Count("id"))
        return {row["type"]: row["n"] for row in rows.order_by("type")}

    rejections = RejectedEvent.objects.filter(device_id=device.pk)[:5]
    return {
        "device": device.pk,
        "accepted": device.events_accepted,
        "duplicates": device.events_duplicate,
        "rejected": device.events_rejected,
        "last_seen_at": device.last_seen_at,
        "silent_since": device.silent_since,
        "rate_flagged_at": device.rate_flagged_at,
        "last_24h": by_type(now - timedelta(hours=24)),
        "last_7d": by_type(now - timedelta(days=7)),
        "recent_rejections": [
            {"received_at": r.received_at, "reasons": r.reasons} for r in rejections
        ],
    }


def noise_reduction(*, since: datetime) -> list[dict]:
    """Per correlation group: events in, incidents out, and their ratio (sensor analytics)."""
    rows = (
        Candidate.objects.filter(last_at__gte=since)
        .values("group")
        .annotate(candidates=Count("id"), incidents=Count("incident"))
        .order_by("group")
    )
    result = []
    for row in rows:
        events = Event.objects.filter(
            occurred_at__gte=since - timedelta(hours=1), candidate__group=row["group"]
        ).count()
        incidents = row["incidents"]
        result.append(
            {
                "group": row["group"],
                "events": events,
                "candidates": row["candidates"],
                "incidents": incidents,
                "ratio": round(events / incidents, 1) if incidents else None,
            }
        )
    return result


def noise_reduction_by_type(*, since: datetime) -> list[dict]:
    """Per event type since ``since``: events in, the distinct incidents their candidates
    became, and the ratio (None while no incident came out of that type)."""
    rows = (
        Event.objects.filter(occurred_at__gte=since)
        .values("type")
        .annotate(events=Count("id"), incidents=Count("candidate__incident", distinct=True))
        .order_by("type")
    )
    return [
        {
            "type": row["type"],
            "events": row["events"],
            "incidents": row["incidents"],
            "ratio": round(row["events"] / row["incidents"], 1) if row["incidents"] else None,
        }
        for row in rows
    ]


SENSOR_DEVICES_MAX = 50


def device_problems(*, since: datetime) -> list[dict]:
    """Devices with rejected events since ``since`` or a rate-spike flag, most rejected
    first (at most SENSOR_DEVICES_MAX): their rejected counts (in the window and since
    registration) and when they were flagged."""
    window = dict(
        RejectedEvent.objects.filter(received_at__gte=since, device__isnull=False)
        .values_list("device")
        .annotate(n=Count("id"))
    )
    devices = Device.objects.filter(Q(pk__in=list(window)) | Q(rate_flagged_at__isnull=False)).only(
        "pk", "agency", "external_id", "kind", "rate_flagged_at", "events_rejected"
    )
    rows = [
        {
            "device": d.pk,
            "name": str(d),
            "kind": d.kind,
            "rejected": window.get(d.pk, 0),
            "rejected_total": d.events_rejected,
            "rate_flagged_at": d.rate_flagged_at,
        }
        for d in devices
    ]
    rows.sort(key=lambda r: (-r["rejected"], r["rate_flagged_at"] is None, r["name"]))
    return rows[:SENSOR_DEVICES_MAX]


def sensor_analytics(*, since: datetime) -> dict:
    """The sensor analytics section: noise reduction by correlation group and by event
    type, and the devices that send bad events or flood."""
    return {
        "since": since,
        "groups": noise_reduction(since=since),
        "types": noise_reduction_by_type(since=since),
        "devices": device_problems(since=since),
    }


def candidate_evidence(*, candidate: Candidate) -> QuerySet[Event]:
    """The events a candidate holds (within its time span, so only the partitions of those
    days are read), oldest first, with their devices."""
    return (
        Event.objects.filter(
            candidate_id=candidate.pk,
            occurred_at__gte=candidate.started_at,
            occurred_at__lte=candidate.last_at,
        )
        .select_related("device")
        .order_by("occurred_at", "id")
    )
