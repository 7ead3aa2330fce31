"""Quiet hours: non-critical pages to someone inside their quiet hours (in the profile's
time zone) wait for the end of the quiet hours; critical ones go at once."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from commands.choices import DeliveryStatus, Severity
from commands.models import Delivery
from commands.services.deliveries import SendOutcome, delivery_send
from commands.services.quiet_hours import quiet_hours_end
from commands.tests.conftest import raise_manual
from commands.tests.test_tasks import wait_until
from khareetaty.accounts.models import User

KUWAIT = ZoneInfo("Asia/Kuwait")


def kuwait(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=KUWAIT)


def sleeper(start: dt.time | None, end: dt.time | None) -> User:
    return User(username="sleeper", quiet_hours_start=start, quiet_hours_end=end)


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        (kuwait(22, 30), kuwait(6, 0, day=11)),  # overnight window, before midnight
        (kuwait(3, 0), kuwait(6, 0)),  # overnight window, after midnight
        (kuwait(22, 0), kuwait(6, 0, day=11)),  # the start is inside
        (kuwait(6, 0), None),  # the end is outside
        (kuwait(12, 0), None),
    ],
)
def test_an_overnight_window_ends_on_the_next_local_morning(now, ends):
    user = sleeper(dt.time(22, 0), dt.time(6, 0))
    assert quiet_hours_end(user=user, now=now.astimezone(dt.UTC)) == ends


def test_a_daytime_window_and_missing_or_empty_windows():
    nap = sleeper(dt.time(13, 0), dt.time(15, 0))
    assert quiet_hours_end(user=nap, now=kuwait(14, 0)) == kuwait(15, 0)
    assert quiet_hours_end(user=nap, now=kuwait(15, 30)) is None
    assert quiet_hours_end(user=sleeper(None, dt.time(6, 0)), now=kuwait(3, 0)) is None
    assert quiet_hours_end(user=sleeper(dt.time(6, 0), dt.time(6, 0)), now=kuwait(6, 0)) is None


def test_quiet_hours_are_read_in_the_profile_time_zone_not_utc():
    user = sleeper(dt.time(22, 0), dt.time(6, 0))
    # 19:30 UTC is 22:30 in Kuwait: quiet there, though not by the UTC clock.
    assert quiet_hours_end(user=user, now=dt.datetime(2026, 3, 10, 19, 30, tzinfo=dt.UTC)) == (
        kuwait(6, 0, day=11)
    )
    # 04:00 UTC is 07:00 in Kuwait: awake, though 04:00 is inside the window by UTC.
    assert quiet_hours_end(user=user, now=dt.datetime(2026, 3, 11, 4, 0, tzinfo=dt.UTC)) is None


def quiet_until(user, *, ends_in: dt.timedelta) -> None:
    """Put ``user`` in quiet hours that started an hour ago and end after ``ends_in``."""
    local = timezone.now().astimezone(KUWAIT).replace(microsecond=0)
    user.quiet_hours_start = (local - dt.timedelta(hours=1)).time()
    user.quiet_hours_end = (local + ends_in).time()
    user.save()


@pytest.fixture
def analyst(make_user, policy_file):
    user = make_user("analyst", phone_number="+96550001234", preferred_language="en")
    user.notification_channels = ["sms"]
    user.save()
    return user


def raise_alert(severity: str, key: str = "quiet"):
    return raise_manual(key, severity=severity)


@pytest.mark.django_db
def test_a_high_alert_is_held_until_the_quiet_hours_end(analyst, fake_twilio):
    quiet_until(analyst, ends_in=dt.timedelta(hours=2))
    delivery = raise_alert(Severity.HIGH).deliveries.get()

    expected = quiet_hours_end(user=analyst, now=timezone.now())
    assert delivery.hold_until == expected
    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.HELD

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 0)
    assert fake_twilio.messages() == []


@pytest.mark.django_db
def test_a_critical_alert_goes_through_quiet_hours(analyst, fake_twilio):
    quiet_until(analyst, ends_in=dt.timedelta(hours=2))
    delivery = raise_alert(Severity.CRITICAL).deliveries.get()

    assert delivery.hold_until is None
    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT
    assert len(fake_twilio.messages()) == 1


@pytest.mark.django_db
def test_outside_quiet_hours_a_high_alert_goes_at_once(analyst, fake_twilio):
    quiet_until(analyst, ends_in=dt.timedelta(hours=-0.5))  # ended half an hour ago
    delivery = raise_alert(Severity.HIGH).deliveries.get()

    assert delivery.hold_until is None
    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_held_page_when_the_quiet_hours_end(analyst, fake_twilio, alerts_worker):
    quiet_until(analyst, ends_in=dt.timedelta(seconds=3))
    delivery = raise_alert(Severity.HIGH).deliveries.get()  # commits: the task is scheduled
    assert delivery.hold_until is not None
    assert fake_twilio.messages() == []

    wait_until(lambda: Delivery.objects.get(pk=delivery.pk).sent_at)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at >= delivery.hold_until
    assert delivery.attempts == 1
    assert len(fake_twilio.messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_long_hold_waits_in_short_hops_and_sends_once_at_the_end(
    settings, caplog, analyst, fake_twilio, alerts_worker
):
    settings.COMMANDS_HOLD_HOP_SECONDS = 1  # 45 minutes in production
    caplog.set_level(logging.INFO, logger="commands.services.deliveries")
    quiet_until(analyst, ends_in=dt.timedelta(seconds=4))
    delivery = raise_alert(Severity.HIGH).deliveries.get()

    wait_until(lambda: Delivery.objects.get(pk=delivery.pk).sent_at)

    delivery.refresh_from_db()
    assert delivery.sent_at >= delivery.hold_until
    assert delivery.attempts == 1
    assert len(fake_twilio.messages()) == 1
    hops = [r for r in caplog.records if "held for quiet hours" in r.getMessage()]
    assert len(hops) >= 3  # scheduled, then re-scheduled by the hops that woke early
