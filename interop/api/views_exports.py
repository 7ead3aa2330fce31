"""Standard formats and subscriptions of the partner API: alerts as CAP 1.2, incidents as
NENA EIDO (``?format=eido`` or ``Accept: application/vnd.nena.eido+json``), and the alert
webhook subscription (``alerts:subscribe``)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from interop.api.views_v1 import TAG, InteropView
from interop.choices import Scope, ShareKind, WebhookEvent
from interop.models import WebhookSubscription
from interop.selectors import alerts_shared
from interop.services.sharing import CAP, share_out
from interop.services.subscriptions import subscription_delete, subscription_set


class AlertCapView(InteropView):
    scope_access = {"GET": Scope.ALERTS_READ}

    @extend_schema(
        tags=[TAG],
        operation_id="interop_v1_alert_cap",
        summary="One alert as a CAP 1.2 message (XML)",
        responses={(200, "application/cap+xml"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        account = request.auth.service_account
        alert = alerts_shared(account=account).filter(pk=pk).first()
        if alert is None:
            raise NotFound(_("No such alert is shared with this account."))
        (message,) = share_out(account=account, kind=ShareKind.ALERTS, rows=[alert], form=CAP)
        return HttpResponse(message, content_type="application/cap+xml; charset=utf-8")


SUBSCRIBE_EXAMPLE = OpenApiExample(
    "Alerts and new hotspots",
    value={"url": "https://moh.example.kw/hooks/khareetaty", "events": ["alert", "hotspot.new"]},
    request_only=True,
)


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=254)
    events = serializers.ListField(
        child=serializers.ChoiceField(WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.values),
        required=False,
        help_text=(
            "What to receive: `alert` (new alerts; `alerts:subscribe`), `hotspot.new` (each "
            "analytics run's new and intensifying hotspots; also `hotspots:read`). Default: "
            "what the webhook had, else `alert`."
        ),
    )


class SubscriptionSerializer(serializers.Serializer):
    url = serializers.CharField()
    active = serializers.BooleanField()
    events = serializers.ListField(child=serializers.ChoiceField(WebhookEvent.choices))
    secret = serializers.CharField(
        required=False, help_text="Shown once, when set: verify each delivery's signature."
    )


class SubscriptionView(InteropView):
    """The account's webhook: new alerts and/or new hotspots in its scope, shaped by the
    sharing rule, signed (HMAC-SHA256 over ``timestamp.body``), retried with backoff."""

    scope_access = {"read": Scope.ALERTS_SUBSCRIBE, "write": Scope.ALERTS_SUBSCRIBE}

    @extend_schema(tags=[TAG], summary="The webhook", responses=SubscriptionSerializer)
    def get(self, request: Request) -> Response:
        subscription = WebhookSubscription.objects.filter(
            service_account=request.auth.service_account
        ).first()
        if subscription is None:
            raise NotFound(_("No webhook is registered."))
        destination = subscription.recipient.webhook_destination
        return Response(
            {"url": destination.url, "active": subscription.active, "events": subscription.events}
        )

    @extend_schema(
        tags=[TAG],
        summary="Register or move the webhook, choose its events (a new signing secret, shown once)",
        examples=[SUBSCRIBE_EXAMPLE],
        request=SubscriptionInputSerializer,
        responses=SubscriptionSerializer,
    )
    def put(self, request: Request) -> Response:
        body = SubscriptionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription, secret = subscription_set(
            account=request.auth.service_account,
            url=body.validated_data["url"],
            events=body.validated_data.get("events"),
        )
        url = subscription.recipient.webhook_destination.url
        return Response(
            {"url": url, "active": True, "events": subscription.events, "secret": secret}
        )

    @extend_schema(tags=[TAG], summary="Stop the webhook", responses={204: None})
    def delete(self, request: Request) -> Response:
        subscription_delete(account=request.auth.service_account)
        return Response(status=204)
