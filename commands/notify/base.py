"""The channel interface. Channels only talk to the vendor; who receives what, retries and
fallbacks live in ``commands.services``."""

from dataclasses import dataclass, field


class ChannelError(Exception):
    """A send failed. ``permanent`` errors (bad number, rejected credentials) are recorded
    at once; the others (timeouts, 5xx, 429) are retried with backoff."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message for one address. ``subject``/``html`` are used by email only;
    ``status_callback`` by Twilio channels only."""

    to: str
    text: str
    subject: str = ""
    html: str = ""
    status_callback: str = ""
    reference: str = ""
    variables: dict[str, str] = field(default_factory=dict)


class Channel:
    """Base class. Subclasses set ``kind`` and ``address_field`` (the ``User`` attribute
    that holds the address) and implement ``send``."""

    kind: str = ""
    address_field: str = ""

    def is_configured(self) -> bool:
        """True when the credentials this channel needs exist."""
        raise NotImplementedError

    def send(self, message: OutgoingMessage) -> str:
        """Send one message and return the provider's id. Raise ``ChannelError``."""
        raise NotImplementedError
