"""The data broker's feeds: status per feed, and a ``feed_silence`` alert when one goes
quiet past its cadence (a rule kind plugged into the commands registry from interop)."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.models import Alert, AlertRule
from commands.rulekinds import rule_kind
from interop.models import AgencyBatch
from interop.selectors import feed_status
from interop.services import accounts
from interop.services.feeds import feeds_check
from interop.tests.conftest import key_client
from interop.tests.test_push import push, record
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db


def test_feed_silence_is_a_registered_rule_kind():
    kind = rule_kind("feed_silence")
    assert kind is not None and kind.scope == "feeds"
    assert kind.param_errors({"grace_minutes": 5}) == {}
    assert kind.param_errors({"grace_minutes": "soon"})


def test_a_feed_shows_its_last_batch_counts_rejected_rows_and_lateness(agency, make_account):
    feed = accounts.feed_create(actor=None, agency=agency, name="main", expected_cadence_minutes=10)
    _account, secret = make_account()
    body = push(secret, [record("S-1"), record("S-2", category="?")]).json()
    now = timezone.now()
    status = feed_status(feed, now=now)
    assert (status["last_batch"], status["batches"]) == (body["batch"], 1)
    assert (status["received"], status["accepted"], status["rejected"]) == (2, 1, 1)
    assert status["late_minutes"] == 0
    assert feed_status(feed, now=now + dt.timedelta(minutes=25))["late_minutes"] == 15


def test_a_silent_feed_raises_one_alert_until_it_sends_again(agency, make_account):
    feed = accounts.feed_create(actor=None, agency=agency, name="main", expected_cadence_minutes=10)
    AlertRule.objects.create(name="Feeds", kind="feed_silence", severity="high", params={})
    _account, secret = make_account()
    push(secret, [record("S-1")])
    assert feeds_check() == []  # on time
    later = timezone.now() + dt.timedelta(minutes=30)
    raised = feeds_check(now=later)
    assert len(raised) == 1
    alert = Alert.objects.get(pk=raised[0])
    assert "main" in alert.title_en and "Ministry of Health" in alert.title_en
    assert feeds_check(now=later + dt.timedelta(minutes=1)) == raised  # the same silence
    AgencyBatch.objects.filter(feed=feed).update(created_at=later)
    push(secret, [record("S-2")])
    assert feeds_check(now=later + dt.timedelta(minutes=5)) == []


def test_superadmins_see_feed_status_in_the_api(client_for, agency, make_account):
    accounts.feed_create(actor=None, agency=agency, name="main")
    _account, secret = make_account()
    push(secret, [record("S-9")])
    (feed,) = client_for(Role.SUPERADMIN).get("/api/interop/feeds/").json()["results"]
    assert feed["status"]["accepted"] == 1 and feed["status"]["last_batch"] is not None
    assert key_client(secret).get("/api/interop/feeds/").status_code == 401
