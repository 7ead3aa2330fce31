import json
from dataclasses import replace

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commands.notify._twilio_send import create_message, status_callback_url
from commands.notify.base import Channel, Notice, OutgoingMessage
from commands.notify.twilio_client import twilio_client, twilio_configured


class WhatsAppChannel(Channel):
    """WhatsApp through Twilio. Outside a 24-hour session WhatsApp only accepts approved
    templates: with ``TWILIO_WHATSAPP_CONTENT_SID`` set the message goes as that Content
    template with the message variables, otherwise as free text."""

    kind = "whatsapp"
    label = _("WhatsApp")
    address_field = "phone_number"

    def is_configured(self) -> bool:
        return twilio_configured() and bool(settings.TWILIO_WHATSAPP_FROM)

    def render(self, notice: Notice) -> OutgoingMessage:
        """Free text, plus the Content template's variables: title, reply code, ack link."""
        context = notice.context
        return replace(
            super().render(notice),
            status_callback=status_callback_url(notice.reference),
            variables={"1": context["title"], "2": context["code"], "3": context["ack_url"]},
        )

    def send(self, message: OutgoingMessage) -> str:
        sender = settings.TWILIO_WHATSAPP_FROM
        params = {
            "to": f"whatsapp:{message.to}",
            "from_": sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}",
        }
        content_sid = getattr(settings, "TWILIO_WHATSAPP_CONTENT_SID", "")
        if content_sid:
            params["content_sid"] = content_sid
            params["content_variables"] = json.dumps(message.variables, ensure_ascii=False)
        else:
            params["body"] = message.text.replace("\xa0", " ")
        if message.status_callback:
            params["status_callback"] = message.status_callback
        return create_message(twilio_client(), **params)
