"""Channel kind → class. Adding a channel: a module, a line here, a template, a test."""

from django.utils.module_loading import import_string

from commands.notify.base import Channel

CHANNELS = {
    "sms": "commands.notify.sms.SmsChannel",
    "whatsapp": "commands.notify.whatsapp.WhatsAppChannel",
    "email": "commands.notify.email.EmailChannel",
    "log": "commands.notify.log.LogChannel",
}


def channel_for(kind: str) -> Channel:
    """An instance of the channel registered for ``kind`` (KeyError when unknown)."""
    return import_string(CHANNELS[kind])()
