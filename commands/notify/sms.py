from dataclasses import replace

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commands.notify._twilio_send import create_message, status_callback_url
from commands.notify.base import Channel, Notice, OutgoingMessage
from commands.notify.twilio_client import twilio_client, twilio_configured


class SmsChannel(Channel):
    """SMS through Twilio's Messages API."""

    kind = "sms"
    label = _("SMS")
    address_field = "phone_number"

    def is_configured(self) -> bool:
        return twilio_configured() and bool(settings.TWILIO_FROM_NUMBER)

    def render(self, notice: Notice) -> OutgoingMessage:
        message = super().render(notice)
        return replace(message, status_callback=status_callback_url(notice.reference))

    def send(self, message: OutgoingMessage) -> str:
        params = {
            "to": message.to,
            "from_": settings.TWILIO_FROM_NUMBER,
            # Non-breaking spaces force UCS-2 on some carriers and split the message.
            "body": message.text.replace("\xa0", " "),
        }
        if message.status_callback:
            params["status_callback"] = message.status_callback
        return create_message(twilio_client(), **params)
