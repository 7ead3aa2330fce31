"""New hotspots as webhooks: an analytics run's new and intensifying hotspots reach each
agency subscribed to ``hotspot.new`` through the command centre's webhook channel (a
recorded ``Delivery``, signed, retried by the real worker), shaped by the sharing rule."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from analytics.models import ModelRun
from analytics.signals import run_finished
from commands.choices import DeliveryStatus
from commands.models import Delivery
from commands.services.deliveries import SendOutcome, delivery_send
from commands.tests.conftest import alerts_worker, fast_retries  # noqa: F401
from commands.tests.factories import HotspotFactory
from commands.tests.webhook_receiver import documented_recipe, receiver  # noqa: F401
from interop.models import ShareRecord
from interop.services import accounts
from interop.services.sharing import round_location
from interop.services.subscriptions import hotspot_subscriptions_notify
from interop.tests.conftest import key_client
from khareetaty.testing import wait_until

HOTSPOT_SCOPES = ["alerts:subscribe", "hotspots:read"]


def _subscribe(secret: str, url: str, events: list[str]):
    return key_client(secret).put(
        "/api/interop/v1/subscription", {"url": url, "events": events}, format="json"
    )


def _run_with_hotspots(regions):
    """One analytics chain whose hotspot step found: a new and an intensifying hotspot in
    the capital, a persistent one there, and a new one in Ahmadi."""
    new = HotspotFactory(
        region=regions["capital"], centroid=Point(47.98123, 29.37456, srid=4326), trend="new"
    )
    step = new.run
    growing = HotspotFactory(region=regions["capital"], run=step, trend="intensifying")
    HotspotFactory(region=regions["capital"], run=step, trend="persistent")
    HotspotFactory(region=regions["ahmadi"], run=step, trend="new")
    return step.parent_id, new, growing


@pytest.mark.django_db(transaction=True)
def test_a_runs_new_hotspots_reach_the_subscribed_agency_signed_and_shared_on_the_worker(
    make_account,
    agency,
    regions,
    receiver,  # noqa: F811
    fast_retries,  # noqa: F811
    alerts_worker,  # noqa: F811
):
    accounts.sharing_rule_update(
        agency=agency, actor=None, fields=["location"], location_rounding_m=1000
    )
    account, secret = make_account(scopes=HOTSPOT_SCOPES, region_codes=["capital"])
    subscribed = _subscribe(secret, receiver.url, ["hotspot.new"])
    assert subscribed.status_code == 200, subscribed.content
    assert subscribed.json()["events"] == ["hotspot.new"]
    signing_secret = subscribed.json()["secret"]
    receiver.script = [503]  # the first attempt fails: the worker retries it
    run_id, new, growing = _run_with_hotspots(regions)

    with transaction.atomic():  # as the analytics worker sends it, after its chain ends
        run_finished.send(sender=ModelRun, run_id=run_id, profile="kuwait", status="succeeded")

    delivery = wait_until(
        lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).first(), timeout=30
    )
    assert delivery.alert is None and delivery.channel == "webhook"
    assert delivery.event == {
        "kind": "hotspot.new", "run": run_id, "hotspots": [new.pk, growing.pk],
    }  # fmt: skip
    assert delivery.attempts == 2
    first, second = receiver.wait_for(2)
    verify = documented_recipe()
    for request in (first, second):
        headers = request.headers
        assert verify(
            signing_secret,
            headers["X-Khareetaty-Timestamp"],
            headers["X-Khareetaty-Signature"],
            request.body,
        )
        assert headers["X-Khareetaty-Delivery"] == str(delivery.uuid)
    body = json.loads(second.body)
    assert body["event"] == "hotspot.new" and body["run"] == run_id
    assert body["withheld"] is False and body["url"].endswith("/api/interop/v1/hotspots")
    features = {f["id"]: f for f in body["hotspots"]["features"]}
    assert sorted(features) == sorted([new.pk, growing.pk])  # not Ahmadi, not persistent
    assert features[new.pk]["geometry"]["coordinates"] == list(
        round_location(47.98123, 29.37456, 1000)
    )
    assert features[new.pk]["geometry"]["coordinates"] != [47.98123, 29.37456]
    assert "region" not in features[new.pk]["properties"]  # the rule does not list it
    assert "categories" not in features[new.pk]["properties"]
    share = ShareRecord.objects.filter(kind="webhook_hotspots").latest("pk")
    assert (share.service_account_id, sorted(share.object_ids)) == (
        account.pk,
        sorted([new.pk, growing.pk]),
    )


@pytest.mark.django_db
def test_only_hotspot_subscribers_with_the_read_scope_get_one_delivery_per_run(
    make_account,
    regions,
    django_capture_on_commit_callbacks,
):
    url = "https://agency.example.kw/hooks/khareetaty"
    _alerts_only, alerts_secret = make_account(scopes=HOTSPOT_SCOPES)
    assert _subscribe(alerts_secret, url, ["alert"]).status_code == 200
    _no_read, no_read_secret = make_account(scopes=["alerts:subscribe"])
    refused = _subscribe(no_read_secret, url, ["alert", "hotspot.new"])
    assert refused.status_code == 403
    assert "hotspots:read" in refused.json()["detail"]
    account, secret = make_account(scopes=HOTSPOT_SCOPES)
    assert _subscribe(secret, url, ["alert", "hotspot.new"]).status_code == 200
    assert key_client(secret).get("/api/interop/v1/subscription").json()["events"] == [
        "alert",
        "hotspot.new",
    ]
    run_id, _new, _growing = _run_with_hotspots(regions)

    with django_capture_on_commit_callbacks(execute=False):
        (delivery_id,) = hotspot_subscriptions_notify(run_id=run_id)
        assert hotspot_subscriptions_notify(run_id=run_id) == []  # once per run
    recipient = Delivery.objects.get(pk=delivery_id).recipient
    assert recipient.interop_subscription.service_account == account

    account.scopes = ["alerts:subscribe"]  # the read scope withdrawn: nothing more is sent
    account.save(update_fields=["scopes"])
    later, _n, _g = _run_with_hotspots(regions)
    assert hotspot_subscriptions_notify(run_id=later) == []


@pytest.mark.django_db
def test_only_a_run_that_produced_results_announces_hotspots(django_capture_on_commit_callbacks):
    """A failed run queues only the commands app's rule evaluation; a (partly) successful
    one also queues the hotspot announcement (nothing is sent: ``execute=False``)."""
    queued = {}
    for status in ("failed", "partial", "succeeded"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run_finished.send(sender=ModelRun, run_id=1, profile="kuwait", status=status)
        queued[status] = len(callbacks)
    assert queued["partial"] == queued["succeeded"] == queued["failed"] + 1


@pytest.mark.django_db
def test_a_refused_hotspot_delivery_is_recorded_failed_without_fallback(
    make_account,
    regions,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    receiver.default = 410
    _account, secret = make_account(scopes=HOTSPOT_SCOPES)
    assert _subscribe(secret, receiver.url, ["hotspot.new"]).status_code == 200
    run_id, _new, _growing = _run_with_hotspots(regions)
    with django_capture_on_commit_callbacks(execute=False):
        (delivery_id,) = hotspot_subscriptions_notify(run_id=run_id)
        outcome = delivery_send(delivery_id=delivery_id, final_attempt=False)
    assert outcome == SendOutcome.FAILED
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.FAILED and "HTTP 410" in delivery.last_error
    assert not Delivery.objects.filter(fallback_from=delivery).exists()
