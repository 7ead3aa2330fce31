"""With a real Celery worker on the ``alerts`` queue (Redis broker): at most once under
duplicate task runs, retries then fallback, and incident → SMS end to end."""

from itertools import pairwise

import pytest
from django.db import transaction
from django.utils import timezone

from commands.choices import DeliveryStatus
from commands.models import Alert, Delivery
from commands.services.deliveries import SendOutcome
from commands.tasks import MAX_SEND_RETRIES, delivery_send_task, retry_countdown
from commands.tests.conftest import raise_manual
from commands.tests.factories import AlertRuleFactory
from incidents import signals as incident_signals
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.testing import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def analyst(make_user, policy_file):
    user = make_user("analyst", phone_number="+96550001234", email="duty@example.kw")
    user.notification_channels = ["sms", "email"]
    user.save()
    return user


def raise_critical() -> Alert:
    return raise_manual("worker-test")


def test_a_send_task_delivered_three_times_sends_one_sms(analyst, fake_twilio, alerts_worker):
    fake_twilio.script = [("hang", 0.3)]  # keep the first send in flight while duplicates arrive
    alert = raise_critical()  # commits, enqueues the send task once
    delivery = alert.deliveries.get()
    duplicates = [
        delivery_send_task.apply_async(args=[delivery.pk], queue="alerts") for _ in range(2)
    ]

    wait_until(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT)
    # Both duplicates have run to the end (their outcome stored), not merely had time to.
    outcomes = [d.get(timeout=15) for d in duplicates]
    assert outcomes.count(SendOutcome.SKIPPED) >= 1 and outcomes.count(SendOutcome.SENT) <= 1

    assert len(fake_twilio.messages()) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


def test_the_worker_retries_with_backoff_then_falls_back_to_email(
    analyst, fake_twilio, smtp, fast_retries, alerts_worker
):
    fake_twilio.default = ("error", 503, 20503)
    alert = raise_critical()
    delivery = alert.deliveries.get()

    fallback = wait_until(lambda: Delivery.objects.filter(fallback_from=delivery).first())
    wait_until(lambda: smtp.messages)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1 + MAX_SEND_RETRIES
    assert len(fake_twilio.messages()) == 1 + MAX_SEND_RETRIES
    gaps = [b.received_at - a.received_at for a, b in pairwise(fake_twilio.messages())]
    # Each retry waits at least its backoff's lower bound (0.5 x min(cap, base x 2^n)); a
    # loaded machine may only add to a gap, so upper bounds are checked on retry_countdown.
    floors = [0.5 * min(0.2, 0.05 * 2**n) for n in range(MAX_SEND_RETRIES)]
    assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=True)), gaps
    wait_until(lambda: Delivery.objects.get(pk=fallback.pk).status == DeliveryStatus.SENT)
    assert smtp.messages[0]["to"] == ["duty@example.kw"]


def test_retry_countdown_grows_exponentially_within_its_jitter_and_cap(settings):
    settings.COMMANDS_RETRY_BASE_SECONDS = 2
    settings.COMMANDS_RETRY_MAX_SECONDS = 300
    for retries, nominal in [(0, 2), (1, 4), (3, 16), (7, 256), (9, 300)]:
        waits = [retry_countdown(retries) for _ in range(200)]
        assert nominal * 0.5 <= min(waits) and max(waits) <= nominal * 1.5
        assert max(waits) - min(waits) > nominal * 0.5  # jittered, not fixed


def test_an_api_style_incident_reaches_the_phone_through_the_alerts_worker(
    analyst, fake_twilio, alerts_worker
):
    """End to end through the real worker. How fast is bench/alert_latency.py's job: a timed
    assertion here would only make the suite flaky on a loaded machine."""
    region = RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")
    AlertRuleFactory(params={"min_severity": 5}, regions=[region])
    robbery = CategoryFactory(code="robbery", name_en="Robbery", name_ar="سطو")

    with transaction.atomic():
        incident = IncidentFactory(
            region=region, category=robbery, severity=5, occurred_at=timezone.now()
        )
        incident_signals.incident_created.send(sender=None, incident_id=incident.pk)

    [sms] = fake_twilio.wait_for(1, timeout=10)
    assert "سطو في حولي" in sms.params["Body"]  # the analyst's language: Arabic
