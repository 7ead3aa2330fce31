"""Promotion: an open candidate over its group's threshold becomes an incident (``channel =
sensor``) through ``incidents.services.incident_create`` (its validation, audit and
``incident_created`` signal), so alert rules, escalation and the live map treat it like any
incident.

It runs off the ingest path: the consumer stores and correlates, and once its batch has
committed enqueues ``candidate_promote_task`` (the ``alerts`` queue) for each candidate that
crossed its threshold with the batch.
A promotion is safe to run twice and at once: the incident and the candidate's status change
commit together, the change is a conditional ``UPDATE … WHERE status = 'open'`` (a run that
finds no row undoes its incident), and ``iot-candidate-<id>`` is unique among the ``iot``
source's incidents. A promotion that fails leaves the candidate open: the task retries
transient errors, and ``candidates_promote_overdue`` (every minute) enqueues again what is
still open over its threshold. An incident that validation
refuses is recorded as such (status ``refused``), not retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import IncidentChannel
from incidents.models import Incident
from incidents.services import incident_create
from iot.choices import CandidateStatus
from iot.models import Candidate
from iot.services.correlation import Cand, Group, correlation_groups
from khareetaty.enqueue import enqueue_on_commit

logger = logging.getLogger(__name__)
SOURCE = "iot"
# The sweep leaves younger candidates to the task enqueued with their batch.
OVERDUE_SECONDS = 30


def _due(candidate: Cand | Candidate, groups: dict[str, Group]) -> bool:
    group = groups.get(candidate.group)
    return (
        candidate.status == CandidateStatus.OPEN
        and group is not None
        and candidate.confidence >= group.threshold
    )


def promotions_enqueue(candidates: list[Cand] | list[Candidate]) -> list[int]:
    """Enqueue, once the surrounding transaction commits, the promotion of each open
    candidate over its group's threshold; returns their ids."""
    from iot.tasks import candidate_promote_task

    groups = correlation_groups()
    due = [c.pk for c in candidates if _due(c, groups)]
    for candidate_id in due:
        enqueue_on_commit(candidate_promote_task, candidate_id)
    return due


def _record(candidate: Candidate, group: Group) -> dict:
    return {
        "external_id": f"iot-candidate-{candidate.pk}",
        "category": group.category,
        "occurred_at": candidate.started_at.isoformat(),
        "lon": candidate.geom.x,
        "lat": candidate.geom.y,
        "severity": group.severity,
        "channel": IncidentChannel.SENSOR,
        "description": (
            f"Sensor {group.name}: {candidate.event_count} events from "
            f"{len(candidate.devices)} devices, confidence {candidate.confidence:.2f}"
        ),
    }


def _mark(candidate_id: int, status: str, incident_id: int | None = None) -> bool:
    """Move an open candidate to ``status``; False if it was not open any more."""
    return bool(
        Candidate.objects.filter(pk=candidate_id, status=CandidateStatus.OPEN).update(
            status=status, incident_id=incident_id, promoted_at=timezone.now()
        )
    )


def _is_duplicate(exc: ValidationError) -> bool:
    errors = getattr(exc, "error_dict", {}).get("external_id", [])
    return any(e.code == "duplicate" for e in errors)


def candidate_promote(*, candidate_id: int) -> int | None:
    """Create the incident of an open candidate over its threshold, once; returns the
    incident's id, or None when there was nothing to do (promoted or refused before, below
    its threshold, gone) or validation refused the incident (the candidate is then marked
    ``refused``, the refused record kept by ``incident_create``)."""
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    groups = correlation_groups()
    if candidate is None or not _due(candidate, groups):
        return None
    with transaction.atomic():
        try:
            incident_id = incident_create(
                record=_record(candidate, groups[candidate.group]), source=SOURCE, actor=None
            ).pk
        except ValidationError as exc:
            incident_id = _existing_incident(candidate_id) if _is_duplicate(exc) else None
            if incident_id is None:
                if _mark(candidate_id, CandidateStatus.REFUSED):
                    logger.warning("candidate %s was refused: %s", candidate_id, exc.messages)
                return None
        if not _mark(candidate_id, CandidateStatus.PROMOTED, incident_id):
            transaction.set_rollback(True)  # another run promoted it meanwhile
            return None
    return incident_id


def _existing_incident(candidate_id: int) -> int | None:
    """The incident a concurrent run made of the candidate (it committed first: this run's
    insert waited for it on the unique key, then failed as a duplicate)."""
    return (
        Incident.objects.filter(source=SOURCE, external_id=f"iot-candidate-{candidate_id}")
        .values_list("pk", flat=True)
        .first()
    )


def candidates_promote_overdue(*, now: datetime | None = None) -> list[int]:
    """Enqueue the promotion of candidates still open over their threshold
    ``OVERDUE_SECONDS`` after the event that tipped them (their task was lost or failed for
    good); returns their ids."""
    cutoff = (now or timezone.now()) - timedelta(seconds=OVERDUE_SECONDS)
    stuck = Candidate.objects.filter(
        status=CandidateStatus.OPEN, tipping_event_at__isnull=False, tipping_event_at__lt=cutoff
    ).only("pk", "group", "status", "confidence")
    with transaction.atomic():
        return promotions_enqueue(list(stuck))
