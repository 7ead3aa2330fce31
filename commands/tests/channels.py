"""A channel that exists only for the tests: registering it in
``commands.notify.registry.CHANNELS`` is all it takes to page someone with it."""

from commands.notify.base import Channel, Notice, OutgoingMessage

SENT: list[OutgoingMessage] = []


class PigeonChannel(Channel):
    """Carries the SMS text, signed by the bird, to the recipient's email address."""

    kind = "pigeon"
    label = "Carrier pigeon"
    address_field = "email"
    template = "sms"

    def is_configured(self) -> bool:
        return True

    def render(self, notice: Notice) -> OutgoingMessage:
        message = super().render(notice)
        return OutgoingMessage(
            to=message.to, text=f"{message.text}\n-- 🐦", reference=notice.reference
        )

    def send(self, message: OutgoingMessage) -> str:
        SENT.append(message)
        return f"pigeon-{len(SENT)}"
