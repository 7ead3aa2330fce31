"""Shift handover: the summary of a constructed shift, sign-off and acknowledgement (both
audited), and the refusals."""

import datetime as dt

import pytest
from django.utils import timezone

from briefings.models import Handover
from briefings.tests.factories import alert_with_waits
from commands.choices import AckVia, TaskStatus, TaskUpdateKind
from commands.models import Alert, TaskUpdate
from commands.tests.factories import TaskFactory
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(make_user):
    end = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=2)  # after the task below
    start = end - dt.timedelta(hours=8)
    responder = make_user(Role.ANALYST, username="responder")
    first = alert_with_waits(
        ack=120, first_seen_at=start + dt.timedelta(hours=1), title_en="Burglary cluster"
    )
    Alert.objects.filter(pk=first.pk).update(acknowledged_by=responder, acknowledged_via=AckVia.WEB)
    alert_with_waits(first_seen_at=start + dt.timedelta(hours=2), title_en="Theft spike")
    alert_with_waits(ack=60, first_seen_at=start - dt.timedelta(days=1))  # before the shift
    task = TaskFactory(title="Patrol Salmiya block 10", status=TaskStatus.DONE)
    TaskUpdate.objects.create(
        task=task, author=responder, kind=TaskUpdateKind.NOTE, note="Area quiet at 02:00"
    )
    return {"start": start, "end": end}


def _sign_off(client, shift, notes="Watch Salmiya"):
    return client.post(
        "/api/briefings/handovers",
        {
            "shift_start": shift["start"].isoformat(),
            "shift_end": shift["end"].isoformat(),
            "notes": notes,
        },
        format="json",
    )


def test_preview_summarises_the_shift(shift, client_for):
    answer = client_for(Role.VIEWER).get(
        "/api/briefings/handovers/preview",
        {"shift_start": shift["start"].isoformat(), "shift_end": shift["end"].isoformat()},
    )
    assert answer.status_code == 200
    summary = answer.json()
    assert (summary["alerts_raised"], summary["alerts_acknowledged"]) == (2, 1)
    assert (
        summary["acknowledged"][0]["by"] == "responder"
        and summary["acknowledged"][0]["title"] == "Burglary cluster"
    )
    assert summary["tasks"] == 1 and summary["tasks_done"] == 1
    assert summary["notes"][0]["note"] == "Area quiet at 02:00"


def test_sign_off_then_acknowledge_are_audited(shift, client_for):
    outgoing, incoming = client_for(Role.ANALYST), client_for(Role.ANALYST)
    signed = _sign_off(outgoing, shift)
    assert signed.status_code == 201, signed.content
    handover = Handover.objects.get(pk=signed.json()["id"])
    assert handover.outgoing == outgoing.user and handover.summary["alerts_raised"] == 2
    assert handover.notes == "Watch Salmiya"
    assert outgoing.post(f"/api/briefings/handovers/{handover.pk}/acknowledge").status_code == 400
    taken = incoming.post(f"/api/briefings/handovers/{handover.pk}/acknowledge")
    assert taken.status_code == 200 and taken.json()["incoming"] == incoming.user.username
    assert incoming.post(f"/api/briefings/handovers/{handover.pk}/acknowledge").status_code == 409
    entries = ActionLog.objects.filter(object_type="briefings.handover", object_id=str(handover.pk))
    actions = list(entries.order_by("id").values_list("action", "actor_id"))
    assert actions == [
        ("handover.sign_off", outgoing.user.pk),
        ("handover.acknowledge", incoming.user.pk),
    ]


def test_bad_shifts_are_refused(shift, client_for):
    client = client_for(Role.ANALYST)
    backwards = {"start": shift["end"], "end": shift["start"]}
    assert _sign_off(client, backwards).status_code == 400
    long = {"start": shift["end"] - dt.timedelta(hours=30), "end": shift["end"]}
    assert _sign_off(client, long).status_code == 400
    future = {
        "start": shift["start"] + dt.timedelta(days=1),
        "end": shift["end"] + dt.timedelta(days=1),
    }
    assert _sign_off(client, future).status_code == 400
    assert _sign_off(client, shift, notes="x" * 5001).status_code == 400
    assert Handover.objects.count() == 0


def test_viewers_read_but_cannot_sign(shift, client_for):
    viewer = client_for(Role.VIEWER)
    assert _sign_off(viewer, shift).status_code == 403
    assert viewer.get("/api/briefings/handovers").status_code == 200
    assert client_for(Role.FIELD_SUPERVISOR).get("/api/briefings/handovers").status_code == 403


def test_acknowledging_a_missing_handover_is_404(client_for):
    assert (
        client_for(Role.ANALYST).post("/api/briefings/handovers/999999/acknowledge").status_code
        == 404
    )
