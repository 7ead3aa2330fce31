"""The standard formats and webhooks on the partner API, through the one sharing path:
alerts as CAP 1.2 (official XSD), incidents as NENA EIDO (published schema), and alert
webhooks to a subscribed agency, signed and shaped by its sharing rule."""

import json

import pytest
from django.contrib.gis.geos import Point

from commands.models import Delivery
from commands.services.deliveries import SendOutcome, delivery_send
from commands.signals import alert_changed
from commands.tests.webhook_receiver import documented_recipe, receiver  # noqa: F401
from incidents.models import Category
from incidents.tests.factories import IncidentFactory
from interop.models import ShareRecord, WebhookSubscription
from interop.services.subscriptions import alert_subscriptions_notify
from interop.tests.conftest import key_client
from interop.tests.test_exports import cap_dict, cap_schema  # noqa: F401
from interop.tests.test_exports_eido import eido_errors, eido_validator  # noqa: F401
from interop.tests.test_pull import _alert

pytestmark = pytest.mark.django_db


def test_an_alert_in_scope_is_a_valid_cap_message_without_its_description(
    make_account,
    regions,
    cap_schema,  # noqa: F811
):
    theft = Category.objects.get(code="theft")
    alert = _alert(regions["capital"], theft, "cap-1")
    _account, secret = make_account(scopes=["alerts:read"], region_codes=["capital"])
    response = key_client(secret).get(f"/api/interop/v1/alerts/{alert.pk}.cap")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/cap+xml")
    message = cap_dict(cap_schema, response.content)
    assert message["msgType"] == "Alert"
    assert all("description" not in info for info in message["info"])
    assert ShareRecord.objects.get().fields == ["format:cap"]
    elsewhere = _alert(regions["ahmadi"], theft, "cap-2")
    assert key_client(secret).get(f"/api/interop/v1/alerts/{elsewhere.pk}.cap").status_code == 404
    _other, unscoped = make_account(scopes=["incidents:read"])
    assert key_client(unscoped).get(f"/api/interop/v1/alerts/{alert.pk}.cap").status_code == 403


def test_incidents_pull_as_valid_eido_with_the_sharing_rule_applied(
    make_account,
    regions,
    eido_validator,  # noqa: F811
):
    IncidentFactory(
        region=regions["capital"],
        category=Category.objects.get(code="burglary"),
        geom=Point(47.98123, 29.37456, srid=4326),
        description="Caller Fatima, civil id 123456789012",
    )
    _account, secret = make_account(scopes=["incidents:read"])
    client = key_client(secret)
    by_query = client.get("/api/interop/v1/incidents", {"format": "eido"})
    by_accept = client.get(
        "/api/interop/v1/incidents", HTTP_ACCEPT="application/vnd.nena.eido+json"
    )
    for response in (by_query, by_accept):
        assert response.status_code == 200, response.content
        (eido,) = response.json()["eidos"]
        assert eido_errors(eido_validator, eido) == []
        assert "Fatima" not in response.content.decode()
        assert "notesComponent" not in eido
    assert by_accept["Content-Type"].startswith("application/vnd.nena.eido+json")
    assert ShareRecord.objects.filter(fields__contains=["format:eido"]).count() == 2


def test_errors_and_push_results_stay_json_when_eido_is_asked_for(make_account, client):
    """Only pulled incidents are EIDO: a refusal or a push answers the JSON the schema documents."""
    refused = client.get("/api/interop/v1/incidents", {"format": "eido"})
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/json"
    _account, secret = make_account(scopes=["incidents:write"])
    pushed = key_client(secret).post(
        "/api/interop/v1/incidents?format=eido",
        {"records": []},
        format="json",
        HTTP_ACCEPT="application/vnd.nena.eido+json",
    )
    assert pushed.status_code in (200, 400), pushed.content
    assert pushed["Content-Type"] == "application/json"


def test_a_subscribed_agency_receives_new_alerts_in_scope_signed_and_shared(
    make_account,
    regions,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    theft = Category.objects.get(code="theft")
    account, secret = make_account(scopes=["alerts:subscribe"], region_codes=["capital"])
    client = key_client(secret)
    subscribed = client.put("/api/interop/v1/subscription", {"url": receiver.url}, format="json")
    assert subscribed.status_code == 200, subscribed.content
    signing_secret = subscribed.json()["secret"]
    assert client.get("/api/interop/v1/subscription").json() == {
        "url": receiver.url, "active": True, "events": ["alert"],
    }  # fmt: skip
    subscription = WebhookSubscription.objects.get(service_account=account)
    assert not subscription.recipient.has_usable_password()

    with django_capture_on_commit_callbacks() as callbacks:
        alert = _alert(regions["capital"], theft, "hook-1")
        alert_changed.send(sender=None, alert_id=alert.pk)
    assert callbacks  # the notify task is enqueued when the alert commits
    elsewhere = _alert(regions["ahmadi"], theft, "hook-2")
    assert alert_subscriptions_notify(alert_id=elsewhere.pk) == []
    (delivery_id,) = alert_subscriptions_notify(alert_id=alert.pk)
    assert alert_subscriptions_notify(alert_id=alert.pk) == []  # one delivery per alert
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.channel, delivery.step_key) == ("webhook", subscription.key)

    assert delivery_send(delivery_id=delivery.pk, final_attempt=False) == SendOutcome.SENT
    [request] = receiver.wait_for(1)
    verify = documented_recipe()
    headers = request.headers
    assert verify(
        signing_secret,
        headers["X-Khareetaty-Timestamp"],
        headers["X-Khareetaty-Signature"],
        request.body,
    )
    body = json.loads(request.body)
    assert body["alert"]["id"] == alert.pk and body["withheld"] is False
    assert "/api/commands/" not in request.body.decode()  # no staff links leave
    assert body["url"].endswith(f"/api/interop/v1/alerts/{alert.pk}")
    assert ShareRecord.objects.filter(kind="webhook", object_ids=[alert.pk]).exists()

    assert client.delete("/api/interop/v1/subscription").status_code == 204
    again = _alert(regions["capital"], theft, "hook-3")
    assert alert_subscriptions_notify(alert_id=again.pk) == []


def test_subscription_notifications_run_on_the_alerts_queue(settings):
    assert settings.CELERY_TASK_ROUTES["interop.alert_subscriptions_notify"] == {"queue": "alerts"}
    assert settings.CELERY_TASK_ROUTES["commands.*"] == {"queue": "alerts"}  # kept
