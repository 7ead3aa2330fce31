"""Correlation on constructed event sets: merge, no merge, threshold, promotion to a sensor
incident (enqueued after the batch commits, run here as the alerts worker would) that goes
through the alert rules and the live map."""

from datetime import UTC, datetime, timedelta

import pytest

from commands.live import live_sequences
from commands.services.rules import rules_evaluate_incidents
from commands.tests.factories import AlertRuleFactory
from incidents.models import Incident
from iot.models import Candidate, Event
from iot.services.ingest import messages_ingest
from iot.tasks import candidate_promote_task
from iot.tests.conftest import make_device
from iot.tests.helpers import event, ingest_and_promote, mqtt_message

pytestmark = pytest.mark.django_db
T0 = datetime.now(UTC) - timedelta(minutes=5)


def _shot(dev, key, uid, *, seconds=0.0, confidence=0.7, **extra):
    at = T0 + timedelta(seconds=seconds)
    return mqtt_message(dev, key, event(uid, type="gunshot", at=at, confidence=confidence, **extra))


@pytest.fixture
def sensors(reference):
    # ~300 m apart, and one ~3 km away
    return [make_device("ac-1"), make_device("ac-2", lat=29.3727), make_device("ac-3", lat=29.40)]


def test_two_sensors_close_in_space_and_time_merge_and_become_an_incident(sensors):
    (d1, k1), (d2, k2), _ = sensors
    result = ingest_and_promote([_shot(d1, k1, "g1"), _shot(d2, k2, "g2", seconds=4)])
    candidate = Candidate.objects.get()
    assert candidate.event_count == 2 and candidate.confidence == pytest.approx(0.91)
    assert candidate.status == "promoted" and result.promotions == [candidate.pk]
    incident = Incident.objects.get(pk=candidate.incident_id)
    assert incident.channel == "sensor" and incident.category.code == "assault"
    assert set(Event.objects.values_list("candidate_id", flat=True)) == {candidate.pk}


def test_far_apart_or_late_events_do_not_merge(sensors):
    (d1, k1), (d2, k2), (d3, k3) = sensors
    ingest_and_promote([_shot(d1, k1, "g1"), _shot(d3, k3, "g3", seconds=2)])  # 3 km apart
    ingest_and_promote([_shot(d2, k2, "g2", seconds=60)])  # 300 m but a minute later
    assert Candidate.objects.count() == 3
    assert not Incident.objects.exists()


def test_below_threshold_stays_a_candidate_until_evidence_arrives(sensors):
    (d1, k1), (d2, k2), _ = sensors
    ingest_and_promote(
        [_shot(d1, k1, "g1", confidence=0.6), _shot(d1, k1, "g1b", seconds=1, confidence=0.8)]
    )
    candidate = Candidate.objects.get()
    assert candidate.status == "open" and candidate.confidence == pytest.approx(0.8)  # one device
    ingest_and_promote([_shot(d2, k2, "g2", seconds=3, confidence=0.6)])
    candidate.refresh_from_db()
    assert candidate.status == "promoted" and candidate.confidence == pytest.approx(0.92)
    ingest_and_promote([_shot(d2, k2, "g2b", seconds=5)])  # later evidence joins, no new incident
    candidate.refresh_from_db()
    assert candidate.event_count == 4 and Incident.objects.count() == 1


def test_crowd_then_panic_nearby_merge_across_types(reference):
    cam, ck = make_device("cam-9", kind="cctv")
    button, bk = make_device("pb-9", kind="panic", lon=47.981)
    ingest_and_promote([mqtt_message(cam, ck, event("c1", type="crowd", at=T0, confidence=0.7))])
    ingest_and_promote(
        [
            mqtt_message(
                button, bk, event("p1", type="panic", at=T0 + timedelta(seconds=90), confidence=0.8)
            )
        ]
    )
    candidate = Candidate.objects.get()
    assert candidate.group == "disorder" and candidate.status == "promoted"
    assert Incident.objects.get().category.code == "public_disorder"


def test_uncorrelated_types_never_make_candidates(sensors):
    (d1, k1), _, _ = sensors
    ingest_and_promote([mqtt_message(d1, k1, event("t1", type="tamper", confidence=1.0))])
    assert not Candidate.objects.exists() and Event.objects.count() == 1


def test_sensor_incident_triggers_an_alert_rule_and_reaches_the_live_map(
    sensors, django_capture_on_commit_callbacks
):
    (d1, k1), (d2, k2), _ = sensors
    rule = AlertRuleFactory(params={"min_severity": 5})
    result = messages_ingest([_shot(d1, k1, "g1"), _shot(d2, k2, "g2", seconds=1)])
    before = live_sequences()["incidents"]
    with django_capture_on_commit_callbacks(execute=True):
        incident_id = candidate_promote_task(*result.promotions)
    assert live_sequences()["incidents"] == before + 1
    alerts = rules_evaluate_incidents(incident_ids=[incident_id])
    assert [a.rule_id for a in alerts] == [rule.pk]
    assert list(alerts[0].incidents.values_list("pk", flat=True)) == [incident_id]


def test_a_resend_beside_new_evidence_is_counted_once_and_the_new_event_is_linked(sensors):
    (d1, k1), (d2, k2), _ = sensors
    ingest_and_promote([_shot(d1, k1, "g1")])
    # The next batch repeats g1 (a QoS-1 resend after a reconnect) and brings g2.
    result = ingest_and_promote([_shot(d1, k1, "g1"), _shot(d2, k2, "g2", seconds=2)])
    assert [o.status for o in result.outcomes] == ["duplicate", "stored"]
    candidate = Candidate.objects.get()
    assert candidate.event_count == 2 and candidate.confidence == pytest.approx(0.91)
    assert sorted(Event.objects.values_list("uid", "candidate_id")) == [
        ("g1", candidate.pk),
        ("g2", candidate.pk),
    ]
    assert Incident.objects.count() == 1


def test_an_event_repeated_within_one_batch_is_stored_once(sensors):
    (d1, k1), _, _ = sensors
    result = ingest_and_promote([_shot(d1, k1, "g1"), _shot(d1, k1, "g1")])
    assert [o.status for o in result.outcomes] == ["stored", "duplicate"]
    assert Event.objects.count() == 1 and Candidate.objects.get().event_count == 1
