"""Channel kind → class: the one list of channels.

``commands.choices.ChannelKind`` (the choices of ``Delivery.channel`` and the policy's
``channels:``) and the channels people may prefer (``User.notification_channels``) are
read from here. Adding a channel: a module with a ``Channel`` subclass, a line here,
its templates under ``templates/commands/notifications/`` and a test.
"""

from functools import cache

from django.utils.module_loading import import_string

from commands.notify.base import Channel

CHANNELS = {
    "sms": "commands.notify.sms.SmsChannel",
    "whatsapp": "commands.notify.whatsapp.WhatsAppChannel",
    "email": "commands.notify.email.EmailChannel",
    "log": "commands.notify.log.LogChannel",
    "webhook": "commands.notify.webhook.WebhookChannel",
}


@cache
def channel_class(path: str) -> type[Channel]:
    channel = import_string(path)
    if not (isinstance(channel, type) and issubclass(channel, Channel)):
        raise TypeError(f"{path} is not a Channel")
    return channel


def channel_for(kind: str) -> Channel:
    """An instance of the channel registered for ``kind`` (KeyError when unknown)."""
    return channel_class(CHANNELS[kind])()


def channel_choices() -> list[tuple[str, tuple[str, str]]]:
    """``(NAME, (kind, label))`` for every registered channel, in registry order: the
    members of ``ChannelKind``."""
    classes = {kind: channel_class(path) for kind, path in CHANNELS.items()}
    return [(kind.upper(), (kind, cls.label or kind)) for kind, cls in classes.items()]


def personal_kinds() -> list[str]:
    """The kinds a person may list among their notification channels."""
    return [kind for kind, path in CHANNELS.items() if channel_class(path).personal]
