"""Sign-in pages: Django's own views, with the sign-in limits the API applies too."""

from math import ceil

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from khareetaty.throttling import sign_in_refused


def too_many_sign_ins(request: HttpRequest, wait: float) -> HttpResponse:
    """429 page naming how long to wait, like the API's throttled answer."""
    response = render(
        request,
        "registration/locked_out.html",
        {
            "heading": _("Too many sign-in attempts"),
            "message": _("Too many sign-in attempts from your address. Try again later."),
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, ceil(wait)))
    return response


class SignInView(auth_views.LoginView):
    """The sign-in page, refused with 429 when a sign-in limit is reached."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = sign_in_refused(request)
        if wait is not None:
            return too_many_sign_ins(request, wait)
        return super().post(request, *args, **kwargs)
