"""The channel interface. Channels only talk to the vendor and render their own message;
who receives what, retries, fallbacks, rate limits and quiet hours live in
``commands.services.deliveries``."""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string

TEMPLATE_DIR = "commands/notifications"


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
    ``status_callback`` and ``variables`` by the Twilio channels only."""

    to: str
    text: str
    subject: str = ""
    html: str = ""
    status_callback: str = ""
    reference: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    # A per-recipient signing secret (webhooks); never shown in logs or reprs.
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class Notice:
    """What a channel renders, the same for every channel: the address, a reference the
    vendor echoes back (the delivery's UUID), the recipient's language and the template
    context (``title``, ``message``, ``severity``, ``code``, ``ack_url``, ``count``…)."""

    to: str
    reference: str
    language: str
    context: dict
    secret: str = field(default="", repr=False)


class Channel:
    """Base class. Subclasses set ``kind``, ``label`` (shown in choices), ``address_field``
    (the ``User`` attribute that holds the address) and implement ``is_configured`` and
    ``send``. ``template`` names the message templates
    (``commands/notifications/<template>_<language>.txt``; default: ``kind``);
    ``personal`` says whether people may list the channel among their preferences.
    Override ``render`` to add a subject, HTML or vendor fields."""

    kind: str = ""
    label: str = ""
    address_field: str = ""
    template: str = ""
    personal: bool = True

    def is_configured(self) -> bool:
        """True when the credentials this channel needs exist."""
        raise NotImplementedError

    def address_for(self, recipient) -> str:
        """The recipient's address on this channel ("" when it has none)."""
        return str(getattr(recipient, self.address_field, "") or "")

    def secret_for(self, recipient) -> str:
        """A per-recipient secret the channel signs with ("" for most channels)."""
        return ""

    def send(self, message: OutgoingMessage) -> str:
        """Send one message and return the provider's id. Raise ``ChannelError``."""
        raise NotImplementedError

    def render(self, notice: Notice) -> OutgoingMessage:
        """The message for ``notice``, from this channel's text template. Called inside
        ``translation.override(notice.language)``."""
        text = self.render_template(notice, "txt").strip()
        return OutgoingMessage(to=notice.to, text=text, reference=notice.reference)

    def render_template(self, notice: Notice, extension: str) -> str:
        name = f"{TEMPLATE_DIR}/{self.template or self.kind}_{notice.language}.{extension}"
        return render_to_string(name, notice.context)


def absolute_url(path: str) -> str:
    """``path`` on ``SITE_URL``, or "" when no site URL is set (links are then left out)."""
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{site}{path}" if site else ""
