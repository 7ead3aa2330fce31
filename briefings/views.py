"""Pages: the briefing (page and PDF), its archive, and the shift handover."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation

from briefings.models import Briefing, BriefingSubscription
from briefings.selectors.handover import handover_list
from khareetaty.pages import render_page, user_language
from khareetaty.permissions import STAFF, role_required

PAGE_URLS = {
    "measures": "briefings_api:measures",
    "measuresCompare": "briefings_api:measures-compare",
    "briefings": "briefings_api:briefing-list",
    "briefingSubscribe": "briefings_api:briefing-subscribe",
    "handovers": "briefings_api:handover-list",
    "handoverPreview": "briefings_api:handover-preview",
    "handoverAcknowledge": "briefings_api:handover-acknowledge {id}",
}


@role_required(STAFF)
@user_language
def briefing_list(request: HttpRequest) -> HttpResponse:
    """GET /briefings/: the archive, newest first, and the caller's e-mail subscription."""
    subscribed = BriefingSubscription.objects.filter(user=request.user, active=True).exists()
    return render_page(
        request,
        "briefings/archive.html",
        context={"briefings": Briefing.objects.all()[:90], "subscribed": subscribed},
        config={"subscribed": subscribed},
    )


@role_required(STAFF)
@user_language
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /briefings/<id>/: one briefing in the reader's language."""
    briefing = get_object_or_404(Briefing, pk=pk)
    rtl = translation.get_language_bidi()
    return render_page(
        request,
        "briefings/briefing.html",
        context={"b": briefing.content, "briefing": briefing, "rtl": rtl},
    )


@role_required(STAFF)
def briefing_pdf(request: HttpRequest, pk: int, language: str) -> FileResponse:
    """GET /briefings/<id>/<lang>.pdf: the archived PDF."""
    briefing = get_object_or_404(Briefing, pk=pk)
    if language not in ("en", "ar") or not getattr(briefing, f"pdf_{language}"):
        raise Http404
    pdf = getattr(briefing, f"pdf_{language}")
    return FileResponse(
        pdf.open("rb"),
        content_type="application/pdf",
        filename=f"briefing-{briefing.day}-{language}.pdf",
    )


@role_required(STAFF)
@user_language
def handover_page(request: HttpRequest) -> HttpResponse:
    """GET /handover/: sign off the shift ending now, acknowledge handovers, past ones."""
    return render_page(
        request, "briefings/handover.html", context={"handovers": handover_list()[:20]}
    )
