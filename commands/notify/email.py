import smtplib
from dataclasses import replace

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.translation import gettext_lazy as _

from commands.notify.base import Channel, ChannelError, Notice, OutgoingMessage


class EmailChannel(Channel):
    """Email through Django's mail backend: plain text with an HTML alternative."""

    kind = "email"
    label = _("Email")
    address_field = "email"

    def is_configured(self) -> bool:
        return bool(settings.EMAIL_BACKEND)

    def render(self, notice: Notice) -> OutgoingMessage:
        """Plain text and HTML, under ``[severity] title``."""
        context = notice.context
        return replace(
            super().render(notice),
            subject=f"[{context['severity']}] {context['title']}",
            html=self.render_template(notice, "html"),
        )

    def send(self, message: OutgoingMessage) -> str:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"X-Khareetaty-Delivery": message.reference},
            connection=get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10),
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"SMTP refused the recipient: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP: {exc.__class__.__name__}: {exc}") from exc
        return message.reference
