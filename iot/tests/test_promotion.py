"""Promotion of candidates to sensor incidents, off the ingest path: enqueued on the alerts
queue after the batch commits, done once however often (or however concurrently) the task
runs, and never lost: a failed promotion leaves the candidate open for the retry, the next
evidence or the sweep; a refused one is recorded, not retried."""

import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, connection, transaction

from commands.tests.conftest import purge_alerts_queue
from incidents.models import Incident, RejectedRow
from iot.models import Candidate, Event, RejectedEvent
from iot.services.ingest import messages_ingest
from iot.services.promotion import OVERDUE_SECONDS, candidate_promote, candidates_promote_overdue
from iot.tasks import candidate_promote_task
from iot.tests.conftest import make_device
from iot.tests.helpers import event, mqtt_message
from khareetaty.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _shots(pair, *, at=None, uid="g"):
    (d1, k1), (d2, k2) = pair
    at = at or datetime.now(UTC) - timedelta(seconds=5)
    return [
        mqtt_message(d1, k1, event(f"{uid}1", type="gunshot", at=at, confidence=0.7)),
        mqtt_message(d2, k2, event(f"{uid}2", type="gunshot", at=at, confidence=0.7)),
    ]


@pytest.fixture
def pair(reference):
    return [make_device("p-1"), make_device("p-2", lat=29.3727)]


def test_the_batch_only_enqueues_the_promotion_on_the_alerts_queue(
    pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        result = messages_ingest(_shots(pair))
    candidate = Candidate.objects.get()
    assert result.promotions == [candidate.pk]
    assert len(callbacks) == 2  # the batch's own commit marker, then the enqueue
    assert candidate.status == "open" and not Incident.objects.exists()
    route = celery_app.amqp.router.route({}, candidate_promote_task.name)
    assert route["queue"].name == "alerts"


def test_a_candidate_is_promoted_exactly_once_when_the_task_runs_twice(pair):
    candidate_id = messages_ingest(_shots(pair)).promotions[0]
    first = candidate_promote_task(candidate_id)
    assert candidate_promote_task(candidate_id) is None
    candidate = Candidate.objects.get()
    assert candidate.status == "promoted" and candidate.incident_id == first
    assert candidate.promoted_at is not None
    incident = Incident.objects.get()
    assert (incident.pk, incident.channel, incident.source) == (first, "sensor", "iot")


def test_a_candidate_is_enqueued_once_when_it_crosses_its_threshold(pair):
    candidate_id = messages_ingest(_shots(pair)).promotions[0]
    # More evidence before the task ran: its task is on its way already.
    assert messages_ingest(_shots(pair, uid="h")).promotions == []
    candidate_promote_task(candidate_id)
    assert messages_ingest(_shots(pair, uid="i")).promotions == []
    assert Candidate.objects.get().event_count == 6 and Incident.objects.count() == 1


def test_a_candidate_below_its_threshold_is_not_promoted(pair):
    (d1, k1), _ = pair
    messages_ingest([mqtt_message(d1, k1, event("g1", type="gunshot", confidence=0.5))])
    candidate = Candidate.objects.get()
    assert candidate_promote(candidate_id=candidate.pk) is None
    assert candidate_promote(candidate_id=candidate.pk + 1000) is None  # gone: nothing to do
    assert Candidate.objects.get().status == "open" and not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_promotions_of_one_candidate_make_one_incident(pair):
    candidate_id = messages_ingest(_shots(pair)).promotions[0]
    results, start = [], threading.Barrier(4)

    def promote():
        start.wait()
        try:
            results.append(candidate_promote(candidate_id=candidate_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=promote) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    incident = Incident.objects.get()
    assert sorted(results, key=str) == sorted([incident.pk, None, None, None], key=str)
    assert Candidate.objects.get().incident_id == incident.pk


@pytest.mark.django_db(transaction=True)
def test_a_failing_promotion_leaves_the_candidate_open_and_a_retry_promotes_it(pair):
    candidate_id = messages_ingest(_shots(pair)).promotions[0]
    locked, release = threading.Event(), threading.Event()

    def hold_the_candidate():  # e.g. a long transaction elsewhere: the UPDATE times out
        with transaction.atomic():
            Candidate.objects.select_for_update().get(pk=candidate_id)
            locked.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_the_candidate)
    holder.start()
    assert locked.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        with pytest.raises(OperationalError):
            candidate_promote(candidate_id=candidate_id)  # after the incident was inserted
        # The task retries a transient error (eagerly here: at once, until it gives up).
        attempt = candidate_promote_task.apply(args=[candidate_id])
        assert attempt.failed() and isinstance(attempt.result, OperationalError)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        holder.join(30)
    assert Candidate.objects.get().status == "open"
    assert not Incident.objects.exists()  # undone with the failed attempt: no orphan incident
    incident_id = candidate_promote_task(candidate_id)
    assert Candidate.objects.get().incident_id == incident_id == Incident.objects.get().pk


def test_an_incident_refused_by_validation_is_recorded_and_not_retried(
    pair, settings, tmp_path, django_capture_on_commit_callbacks
):
    groups = tmp_path / "groups.json"
    groups.write_text(
        json.dumps(
            {
                "gunshot": {
                    "types": ["gunshot"],
                    "radius_m": 400,
                    "window_s": 10,
                    "threshold": 0.9,
                    "category": "no-such-category",
                    "severity": 5,
                }
            }
        )
    )
    settings.IOT_CORRELATION_FILE = str(groups)
    candidate_id = messages_ingest(_shots(pair, at=datetime.now(UTC) - timedelta(minutes=2)))
    candidate_id = candidate_id.promotions[0]
    assert candidate_promote_task(candidate_id) is None
    candidate = Candidate.objects.get()
    assert candidate.status == "refused" and candidate.incident_id is None
    kept = [str(row.record) for row in RejectedRow.objects.all()]  # the refused record, kept
    assert len(kept) == 1 and f"iot-candidate-{candidate_id}" in kept[0]
    with django_capture_on_commit_callbacks() as callbacks:
        assert candidates_promote_overdue() == []
    assert callbacks == [] and not Incident.objects.exists()


def test_the_sweep_enqueues_only_candidates_left_open_over_threshold(
    pair, django_capture_on_commit_callbacks
):
    old = datetime.now(UTC) - timedelta(seconds=OVERDUE_SECONDS + 60)
    stuck = messages_ingest(_shots(pair, at=old, uid="old")).promotions[0]
    fresh = messages_ingest(_shots(pair, uid="new")).promotions[0]
    assert stuck != fresh
    with django_capture_on_commit_callbacks() as callbacks:
        assert candidates_promote_overdue() == [stuck]  # the fresh one's task is on its way
    assert len(callbacks) == 1
    candidate_promote_task(stuck)
    assert candidates_promote_overdue() == []


@contextmanager
def broker_away():
    """The Celery broker unreachable (nothing listens on port 9): sending a task fails."""
    url, pool = celery_app.conf.broker_url, celery_app._pool
    celery_app.conf.broker_url, celery_app._pool = "redis://127.0.0.1:9/0", None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app.conf.broker_url, celery_app._pool = url, pool


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_promotion_cannot_be_enqueued_stays_stored_once_and_is_swept(pair):
    (d1, k1), _ = pair
    old = datetime.now(UTC) - timedelta(seconds=OVERDUE_SECONDS + 60)
    bad = mqtt_message(d1, k1, event("x", confidence=7))
    with broker_away():
        result = messages_ingest([*_shots(pair, at=old), bad])  # sending the task fails
    assert [o.status for o in result.outcomes] == ["stored", "stored", "rejected"]
    assert Event.objects.count() == 2 and RejectedEvent.objects.count() == 1
    candidate = Candidate.objects.get()
    assert candidate.status == "open" and not Incident.objects.exists()
    try:
        assert candidates_promote_overdue() == [candidate.pk]  # the broker is back
    finally:
        purge_alerts_queue()  # no worker here: run the task in place
    incident_id = candidate_promote_task(candidate.pk)
    assert Candidate.objects.get().incident_id == incident_id == Incident.objects.get().pk
