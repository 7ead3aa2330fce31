"""Shared parts of the Twilio channels: the status callback and the error mapping."""

import requests
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException

from commands.notify.base import ChannelError, absolute_url

# Twilio error codes that will never succeed on retry (invalid/unreachable "To" number…).
_PERMANENT_TWILIO_CODES = {21211, 21212, 21408, 21610, 21614, 63003, 63016}


def status_callback_url(reference: str) -> str:
    """Where Twilio reports the delivery's status (``reference`` is its UUID)."""
    return absolute_url(f"{reverse('commands_api:twilio-status')}?delivery={reference}")


def create_message(client, **params) -> str:
    """Create a Twilio message and return its SID, mapping failures to ``ChannelError``."""
    try:
        message = client.messages.create(**params)
    except TwilioRestException as exc:
        transient = exc.status >= 500 or exc.status == 429
        permanent = not transient or exc.code in _PERMANENT_TWILIO_CODES
        raise ChannelError(f"Twilio {exc.status}: {exc.msg}", permanent=permanent) from exc
    except requests.RequestException as exc:
        raise ChannelError(f"Twilio unreachable: {exc.__class__.__name__}") from exc
    except TwilioException as exc:
        raise ChannelError(f"Twilio: {exc}") from exc
    return message.sid
