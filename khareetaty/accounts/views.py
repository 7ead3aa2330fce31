"""Sign-in and password pages: Django's own views, with the sign-in limits the API applies
and the token revocation every password change needs."""

from math import ceil

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from khareetaty.accounts.services import user_set_password
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


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password page, through ``user_set_password``: every token and other session of
    the user ends (audited); this session carries on with the new password."""

    def form_valid(self, form) -> HttpResponse:
        user = user_set_password(
            user=self.request.user,
            password=form.cleaned_data["new_password1"],
            actor=self.request.user,
        )
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())
