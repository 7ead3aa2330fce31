"""Fault drill: the process sending an SMS is killed (SIGKILL) after Twilio accepted the
message and before the delivery's status is updated. Running the send again (the task
redelivered by acks_late) sends nothing; the stuck delivery is then failed and falls back to
the next channel: no duplicate SMS, no lost alert."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commands.choices import AlertSource, DeliveryStatus, Severity
from commands.models import Delivery
from commands.services.alerts import AlertSpec, alert_raise
from commands.services.deliveries import SendOutcome, deliveries_fail_stuck, delivery_send
from commands.texts import Bilingual

SEND = "from commands.services.deliveries import delivery_send; delivery_send(delivery_id={id}, final_attempt=False)"

pytestmark = pytest.mark.faults


@pytest.fixture
def analyst(make_user, policy_file):
    user = make_user("analyst", phone_number="+96550001234", email="duty@example.kw")
    user.notification_channels = ["sms", "email"]
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_between_send_and_status_update_never_sends_twice(
    analyst, fake_twilio, tmp_path
):
    alert, _ = alert_raise(
        spec=AlertSpec(
            severity=Severity.CRITICAL,
            title=Bilingual("Robbery", "سطو"),
            message=Bilingual("Severity 5.", "بلاغ."),
            dedup_key="fault",
            source=AlertSource.MANUAL,
        ),
        cooldown_minutes=0,
        now=timezone.now(),
    )
    delivery = alert.deliveries.get(channel="sms")
    fake_twilio.script.append(("hang", 30))  # accepted, but the answer never arrives in time
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": settings.TWILIO_FROM_NUMBER,
        "TWILIO_BASE_URL": fake_twilio.base_url,
        "TWILIO_TIMEOUT_SECONDS": "60",
        "SITE_URL": settings.SITE_URL,
        "ESCALATION_POLICY_FILE": settings.ESCALATION_POLICY_FILE,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    sender = subprocess.Popen(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "shell",
            "-c",
            SEND.format(id=delivery.pk),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert len(fake_twilio.wait_for(1, timeout=90)) == 1  # Twilio has the message
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING  # its status was never updated

    # The task runs again (redelivered): nothing is sent.
    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SKIPPED
    time.sleep(0.5)
    assert len(fake_twilio.messages()) == 1

    # The stuck delivery is failed and the alert falls back to the next channel: not lost.
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert deliveries_fail_stuck() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert Delivery.objects.get(fallback_from=delivery).channel == "email"
    assert len(fake_twilio.messages()) == 1
