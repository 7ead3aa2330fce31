import logging

from django.utils.translation import gettext_lazy as _

from commands.notify.base import Channel, OutgoingMessage

logger = logging.getLogger("commands.notify")


class LogChannel(Channel):
    """Development channel: writes the message to the log and always succeeds."""

    kind = "log"
    label = _("Log (development)")
    template = "sms"
    personal = False
    address_field = "username"

    def is_configured(self) -> bool:
        return True

    def send(self, message: OutgoingMessage) -> str:
        logger.info("notification", extra={"to": message.to, "text": message.text})
        return f"log-{message.reference}"
