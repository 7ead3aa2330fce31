"""Make the morning briefing: figures, PDFs in English and Arabic, archive, e-mail."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from briefings.models import Briefing, BriefingSubscription
from briefings.selectors.briefing import briefing_content
from incidents.profiles import served_profile
from khareetaty.audit.services import audit_record

logger = logging.getLogger(__name__)
LANGUAGES = ("en", "ar")


def briefing_html(briefing: Briefing, language: str, *, for_pdf: bool = False) -> str:
    """The briefing as a standalone HTML document in ``language`` (the PDF's source)."""
    with translation.override(language):
        return render_to_string(
            "briefings/briefing_document.html",
            {
                "b": briefing.content,
                "briefing": briefing,
                "lang": language,
                "rtl": language == "ar",
                "for_pdf": for_pdf,
            },
        )


def briefing_pdf(briefing: Briefing, language: str) -> bytes:
    """WeasyPrint renders the HTML: Pango shapes the Arabic, ``dir="rtl"`` orders it."""
    return HTML(string=briefing_html(briefing, language, for_pdf=True)).write_pdf()


def briefing_due(*, now: dt.datetime | None = None) -> dt.date | None:
    """Today in the served profile's zone once the configured time has passed, else None."""
    _profile, tz = served_profile()
    local = (now or timezone.now()).astimezone(ZoneInfo(tz))
    hour, minute = (int(part) for part in settings.BRIEFING_TIME.split(":"))
    return local.date() if local.time() >= dt.time(hour, minute) else None


def briefing_make(*, day: dt.date, actor=None) -> Briefing | None:
    """Make, archive and e-mail the briefing of ``day`` for the served profile, once.

    Returns None when it exists already (the Beat job checks every few minutes)."""
    profile, tz = served_profile()
    if Briefing.objects.filter(profile=profile, day=day).exists():
        return None
    briefing = Briefing(
        profile=profile, day=day, content=briefing_content(profile=profile, tz=tz, today=day)
    )
    for language in LANGUAGES:
        name = f"briefing-{profile}-{day.isoformat()}-{language}.pdf"
        getattr(briefing, f"pdf_{language}").save(
            name, ContentFile(briefing_pdf(briefing, language)), save=False
        )
    try:
        with transaction.atomic():
            briefing.save()
            audit_record(
                action="briefing.make", actor=actor, obj=briefing, summary={"day": day.isoformat()}
            )
    except IntegrityError:  # another worker made it first
        return None
    briefing.emailed_to = briefing_email(briefing=briefing)
    briefing.save(update_fields=["emailed_to"])
    return briefing


def briefing_email(*, briefing: Briefing) -> int:
    """Send the briefing to each active subscriber with an address, in their language,
    with the PDF attached; a failed recipient is logged and the others still get it."""
    sent = 0
    subscriptions = (
        BriefingSubscription.objects.filter(active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    for subscription in subscriptions:
        user = subscription.user
        language = user.preferred_language if user.preferred_language in LANGUAGES else "ar"
        with translation.override(language):
            subject = _("Morning briefing, %(day)s") % {"day": briefing.day.isoformat()}
            body = render_to_string(
                "briefings/briefing_email.txt", {"b": briefing.content, "briefing": briefing}
            )
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        pdf = getattr(briefing, f"pdf_{language}")
        with pdf.open("rb") as handle:
            message.attach(
                f"briefing-{briefing.day.isoformat()}-{language}.pdf",
                handle.read(),
                "application/pdf",
            )
        try:
            message.send()
        except OSError:
            logger.warning("briefing %s not sent to user %s", briefing.pk, user.pk, exc_info=True)
            continue
        sent += 1
    return sent


def briefing_subscribe(*, user, active: bool) -> BriefingSubscription:
    """Turn the user's own briefing e-mail on or off (audited)."""
    subscription, _created = BriefingSubscription.objects.update_or_create(
        user=user, defaults={"active": active}
    )
    audit_record(
        action="briefing.subscribe", actor=user, obj=subscription, summary={"active": active}
    )
    return subscription
