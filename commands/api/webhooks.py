"""Acting from outside the app: the Twilio webhooks (status callbacks, SMS/WhatsApp
replies) and the signed acknowledgement link. Views parse input, call a service and
render the result."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from commands.services.deliveries import delivery_provider_status
from commands.services.replies import ack_link_usable, alert_acknowledge_by_link, alert_reply
from khareetaty.exceptions import ApplicationError
from khareetaty.permissions import PUBLIC


def _twilio_responses(answer_type: str) -> dict:
    """A Twilio webhook's answers: its reply, a refused signature, or 404 when unconfigured."""
    return {
        (200, answer_type): OpenApiTypes.STR,
        (403, "text/plain"): OpenApiTypes.STR,
        404: OpenApiResponse(description="Twilio is not configured."),
    }


class _TwilioWebhook(APIView):
    """Base for Twilio webhooks: public, form-encoded, signature-checked, not throttled
    (Twilio's shared addresses would hit the anonymous rate limit). 404 until Twilio is
    configured."""

    role_access = {"write": PUBLIC}
    authentication_classes = []
    throttle_classes = []
    parser_classes = [FormParser, MultiPartParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not settings.TWILIO_AUTH_TOKEN:
            raise Http404

    def signature_ok(self, request) -> bool:
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        url = f"{site}{request.get_full_path()}" if site else request.build_absolute_uri()
        params = {key: request.POST.get(key) for key in request.POST}
        signature = request.headers.get("X-Twilio-Signature", "")
        return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


class TwilioStatusView(_TwilioWebhook):
    """``POST /api/commands/twilio/status?delivery=<uuid>``: message status callbacks.
    Bad signature → 403; otherwise always 200 (an unknown delivery is ignored)."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=_twilio_responses("text/plain"))
    def post(self, request):
        if not self.signature_ok(request):
            return HttpResponse("invalid signature", status=403, content_type="text/plain")
        delivery_provider_status(
            delivery_uuid=request.query_params.get("delivery", ""),
            provider_status=request.POST.get("MessageStatus", ""),
            error_code=request.POST.get("ErrorCode", ""),
            message_sid=request.POST.get("MessageSid", ""),
        )
        return HttpResponse("", status=200, content_type="text/plain")


class TwilioInboundView(_TwilioWebhook):
    """``POST /api/commands/twilio/inbound``: SMS/WhatsApp replies such as ``3a``.
    Answers with TwiML; bad signature → 403."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=_twilio_responses("application/xml"))
    def post(self, request):
        if not self.signature_ok(request):
            return HttpResponse("invalid signature", status=403, content_type="text/plain")
        result = alert_reply(
            from_number=request.POST.get("From", ""), body=request.POST.get("Body", "")
        )
        twiml = MessagingResponse()
        twiml.message(result.text)
        return HttpResponse(str(twiml), content_type="application/xml")


ACK_PAGE_RESPONSES = {(code, "text/html"): OpenApiTypes.STR for code in (200, 403, 404)}


def _ack_page(request, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, "commands/notifications/ack_link.html", context, status=status)


@method_decorator(csrf_exempt, name="dispatch")
class AlertAckLinkView(APIView):
    """The signed one-time link in messages. ``GET`` shows a confirmation page (so link
    scanners cannot acknowledge), ``POST`` acknowledges as the message's recipient."""

    role_access = {"read": PUBLIC, "write": PUBLIC}
    authentication_classes = []
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(responses=ACK_PAGE_RESPONSES)
    def get(self, request, token: str):
        try:
            delivery = ack_link_usable(token=token)
        except ApplicationError as exc:
            return _ack_page(request, {"error": exc.message}, status=exc.status_code)
        return _ack_page(request, {"alert": delivery.alert, "delivery": delivery})

    @extend_schema(
        request=None, responses={**ACK_PAGE_RESPONSES, (409, "text/html"): OpenApiTypes.STR}
    )
    def post(self, request, token: str):
        try:
            alert = alert_acknowledge_by_link(token=token)
        except ApplicationError as exc:
            return _ack_page(request, {"error": exc.message}, status=exc.status_code)
        return _ack_page(request, {"alert": alert, "done": True})
