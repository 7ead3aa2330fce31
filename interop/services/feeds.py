"""The broker's watch on feeds: evaluate ``feed_silence`` rules against the active feeds."""

import datetime as dt

from django.utils import timezone

from commands.services.rules import rules_evaluate
from interop.models import Feed
from interop.rulekinds import SCOPE_FEEDS


def feeds_check(*, now: dt.datetime | None = None) -> list[int]:
    """Raise (or repeat) a ``feed_silence`` alert for each silent active feed; returns the
    alert ids. Safe to run twice (the alerts' dedup keys)."""
    now = now or timezone.now()
    feeds = list(Feed.objects.filter(active=True, agency__active=True).select_related("agency"))
    return [alert.pk for alert in rules_evaluate(scope=SCOPE_FEEDS, subject=feeds, now=now)]
