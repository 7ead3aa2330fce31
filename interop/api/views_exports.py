"""Standard formats and subscriptions of the partner API: alerts as CAP 1.2, incidents as
NENA EIDO (``?format=eido`` or ``Accept: application/vnd.nena.eido+json``), and the alert
webhook subscription (``alerts:subscribe``)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from interop.api.views_v1 import TAG, InteropView
from interop.choices import Scope, ShareKind
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


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=254)


class SubscriptionSerializer(serializers.Serializer):
    url = serializers.CharField()
    active = serializers.BooleanField()
    secret = serializers.CharField(
        required=False, help_text="Shown once, when set: verify each delivery's signature."
    )


class SubscriptionView(InteropView):
    """The account's alert webhook: new alerts in its scope, shaped by the sharing rule,
    signed (HMAC-SHA256 over ``timestamp.body``), retried with backoff."""

    scope_access = {"read": Scope.ALERTS_SUBSCRIBE, "write": Scope.ALERTS_SUBSCRIBE}

    @extend_schema(tags=[TAG], summary="The alert webhook", responses=SubscriptionSerializer)
    def get(self, request: Request) -> Response:
        subscription = WebhookSubscription.objects.filter(
            service_account=request.auth.service_account
        ).first()
        if subscription is None:
            raise NotFound(_("No webhook is registered."))
        destination = subscription.recipient.webhook_destination
        return Response({"url": destination.url, "active": subscription.active})

    @extend_schema(
        tags=[TAG],
        summary="Register or move the alert webhook (a new signing secret, shown once)",
        request=SubscriptionInputSerializer,
        responses=SubscriptionSerializer,
    )
    def put(self, request: Request) -> Response:
        body = SubscriptionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription, secret = subscription_set(
            account=request.auth.service_account, url=body.validated_data["url"]
        )
        url = subscription.recipient.webhook_destination.url
        return Response({"url": url, "active": True, "secret": secret})

    @extend_schema(tags=[TAG], summary="Stop the alert webhook", responses={204: None})
    def delete(self, request: Request) -> Response:
        subscription_delete(account=request.auth.service_account)
        return Response(status=204)
