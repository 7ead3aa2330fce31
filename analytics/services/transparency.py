"""The monthly transparency report: every model card the analytics runs of one month
published, with a summary a reader can check at a glance (how often each forecaster and each
fallback ran, the range of the skill over the 28-day mean, the interval coverage, and the
regions where the forecasts lost to that baseline)."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter

from django.utils import timezone

from analytics.selectors import model_cards_in_month

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """The first day of ``YYYY-MM`` (the current month when empty); ValueError otherwise."""
    if not value:
        today = today or timezone.localdate()
        return today.replace(day=1)
    match = _MONTH.match(value.strip()) if value.isascii() else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValueError(f"month must look like 2025-06, not {value!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(next_month(month), dt.time(), tzinfo=zone)


def _entry(run) -> dict:
    card = run.metrics["model_card"]
    accuracy = card.get("accuracy") or {}
    model = (accuracy.get("methods") or {}).get("model") or {}
    return {
        "run": run.pk,
        "profile": run.profile,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "forecaster": card.get("forecaster"),
        "weight_gbm": (card.get("mix") or {}).get("weight_gbm"),
        "fallback": card.get("fallback") or "",
        "skill": model.get("skill"),
        "skill_90": model.get("skill_90"),
        "wape_weekly_ratio": model.get("wape_weekly_ratio"),
        "coverage": accuracy.get("calibration") or {},
        "losing_regions": sorted(
            region
            for region, skill in (accuracy.get("per_region_skill") or {}).items()
            if skill is not None and skill < 0
        ),
        "card": card,
    }


def _spread(values: list) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def transparency_report(*, month: dt.date, profile: str | None = None) -> dict:
    """The report of ``month`` (its first day), optionally for one profile."""
    start, end = _bounds(month)
    entries = [_entry(run) for run in model_cards_in_month(start=start, end=end, profile=profile)]
    losing = Counter(region for e in entries for region in e["losing_regions"])
    return {
        "month": month.strftime("%Y-%m"),
        "profile": profile,
        "summary": {
            "runs": len(entries),
            "forecasters": dict(Counter(e["forecaster"] for e in entries)),
            "fallbacks": sum(1 for e in entries if e["fallback"]),
            "skill": _spread([e["skill"] for e in entries]),
            "coverage_80": _spread([e["coverage"].get("80") for e in entries]),
            "coverage_95": _spread([e["coverage"].get("95") for e in entries]),
            "losing_regions": dict(losing.most_common()),
        },
        "cards": entries,
    }
