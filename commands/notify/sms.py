from django.conf import settings

from commands.notify._twilio_send import create_message
from commands.notify.base import Channel, OutgoingMessage
from commands.notify.twilio_client import twilio_client, twilio_configured


class SmsChannel(Channel):
    """SMS through Twilio's Messages API."""

    kind = "sms"
    address_field = "phone_number"

    def is_configured(self) -> bool:
        return twilio_configured() and bool(settings.TWILIO_FROM_NUMBER)

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
