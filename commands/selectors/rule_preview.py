"""What a rule would have done: replay a not-yet-saved rule over past data with the live
engine's own evaluator (``RuleKindSpec.evaluate``, the code ``rule_evaluate`` runs), and
count its findings per day.

The rule is written inside a transaction that is always rolled back (the evaluators read
its regions and categories through the ORM), and nothing is raised: no alert, no
notification, no audit entry.

Replay: incident kinds see the incidents of each clock hour as one batch, evaluated at the
moment the batch's last incident occurred (the engine evaluates accepted batches the same
way); analytics kinds see each finished analytics chain at the time it finished.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db import transaction
from django.db.models.functions import TruncHour
from django.utils import timezone

from analytics.models import ModelRun
from commands.models import AlertRule
from commands.rulekinds import SCOPE_ANALYTICS_RUN, SCOPE_INCIDENTS, RuleKindSpec, rule_kind
from incidents.models import Incident

PREVIEW_DAYS = 30


class _Rollback(Exception):
    """Leaves the preview's transaction (the draft rule) unwritten."""


@dataclass
class RulePreview:
    """``firings`` findings over ``days`` days ending at ``until``; ``per_day`` has every
    day of the range (local dates), zeros included, oldest first."""

    firings: int
    per_day: list[tuple[date, int]]
    since: datetime
    until: datetime
    days: int


def _incident_batches(since: datetime, until: datetime):
    incidents = (
        Incident.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .select_related("category", "region")
        .annotate(hour=TruncHour("occurred_at"))
        .order_by("occurred_at", "pk")
    )
    for _hour, rows in groupby(incidents.iterator(chunk_size=2000), key=lambda i: i.hour):
        batch = list(rows)
        yield batch, batch[-1].occurred_at


def _analytics_runs(since: datetime, until: datetime):
    runs = ModelRun.objects.filter(
        parent__isnull=True,  # the engine hears every finished chain (run_finished)
        finished_at__gte=since,
        finished_at__lt=until,
    ).order_by("finished_at", "pk")
    for run in runs.only("pk", "finished_at"):
        yield run.pk, run.finished_at


def _replay(rule: AlertRule, kind: RuleKindSpec, since: datetime, until: datetime) -> Counter:
    subjects = {
        SCOPE_INCIDENTS: _incident_batches,
        SCOPE_ANALYTICS_RUN: _analytics_runs,
    }[kind.scope](since, until)
    per_day: Counter = Counter()
    for subject, at in subjects:
        found = sum(1 for _finding in kind.evaluate(rule, subject, at))
        if found:
            per_day[timezone.localdate(at)] += found
    return per_day


def rule_preview(
    *,
    fields: dict,
    regions=(),
    categories=(),
    now: datetime | None = None,
    days: int = PREVIEW_DAYS,
) -> RulePreview:
    """Replay the draft rule (``fields`` of ``AlertRule``; validated with ``full_clean``,
    so bad parameters raise ``ValidationError``) over the last ``days`` days."""
    until = now or timezone.now()
    since = until - timedelta(days=days)
    result: Counter = Counter()
    try:
        with transaction.atomic():
            draft = AlertRule(**fields)
            draft.full_clean()
            draft.save()
            draft.regions.set(regions)
            draft.categories.set(categories)
            draft = AlertRule.objects.prefetch_related("regions", "categories").get(pk=draft.pk)
            result = _replay(draft, rule_kind(draft.kind), since, until)
            raise _Rollback
    except _Rollback:
        pass
    first = timezone.localdate(since)
    span = (timezone.localdate(until) - first).days + 1
    per_day = [(first + timedelta(days=i), result[first + timedelta(days=i)]) for i in range(span)]
    return RulePreview(
        firings=sum(result.values()), per_day=per_day, since=since, until=until, days=days
    )
