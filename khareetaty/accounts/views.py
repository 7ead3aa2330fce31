"""Sign-in and password pages: Django's own views, with the sign-in limits the API applies,
the one-time code superadmins give, and the token revocation every password change needs."""

import time
from math import ceil

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_otp import login as otp_login

from khareetaty.accounts.choices import Role
from khareetaty.accounts.lockout import lockout_response
from khareetaty.accounts.models import User
from khareetaty.accounts.otp import (
    otp_device_confirm,
    otp_device_start,
    otp_enrolled,
    otp_pending_device,
    otp_provisioning,
    otp_required_for,
    otp_verify,
)
from khareetaty.accounts.services import user_set_password
from khareetaty.throttling import sign_in_refused

# The password was right; the code is still owed. Kept in the session for a few minutes.
OTP_PENDING_KEY = "khareetaty_otp_pending"
OTP_PENDING_SECONDS = 300


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
    """The sign-in page: refused with 429 when a sign-in limit is reached, and followed by a
    one-time code for superadmins who need one (``otp_required_for``)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = sign_in_refused(request)
        if wait is not None:
            return too_many_sign_ins(request, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not otp_required_for(user):
            return super().form_valid(form)
        if not otp_enrolled(user):
            context = self.get_context_data(form=form, otp_enrolment_needed=True)
            return self.render_to_response(context, status=403)
        self.request.session[OTP_PENDING_KEY] = {
            "user_id": user.pk,
            "credentials": user.credentials_fingerprint(),
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_otp")


class OtpTokenForm(forms.Form):
    otp = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(OTP_PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > OTP_PENDING_SECONDS:
        request.session.pop(OTP_PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user_id"), is_active=True).first()
    # A password or role change since the password step voids it.
    if user is None or not constant_time_compare(
        str(pending.get("credentials", "")), user.credentials_fingerprint()
    ):
        request.session.pop(OTP_PENDING_KEY, None)
        return None
    return user


class SignInOtpView(FormView):
    """Second step of a superadmin's sign-in: the code from their TOTP device."""

    template_name = "registration/login_otp.html"
    form_class = OtpTokenForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.pending_user = _pending_user(request)
        if self.pending_user is None:
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = sign_in_refused(request)
        if wait is not None:
            return too_many_sign_ins(request, wait)
        if AxesProxyHandler.is_locked(request, {"username": self.pending_user.username}):
            request.session.pop(OTP_PENDING_KEY, None)
            return lockout_response(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = self.pending_user
        device = otp_verify(user=user, token=form.cleaned_data["otp"])
        if device is None:
            # Counted like a wrong password: audit, per-address limit and lockout.
            user_login_failed.send(
                sender=__name__, credentials={"username": user.username}, request=self.request
            )
            form.add_error("otp", _("That code is not valid. Try the current one."))
            return self.form_invalid(form)
        pending = self.request.session.pop(OTP_PENDING_KEY)
        auth_login(self.request, user, backend=pending["backend"])
        otp_login(self.request, device)
        return HttpResponseRedirect(pending["next"])


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


class OtpEnrolView(LoginRequiredMixin, FormView):
    """A superadmin adds an authenticator app to their own account: scan the code, then type
    the code it shows to confirm. Once enrolled, sign-in always asks for a code."""

    template_name = "registration/otp_enrol.html"
    form_class = OtpTokenForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and request.user.role != Role.SUPERADMIN:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["enrolled"] = otp_enrolled(user)
        if not context["enrolled"]:
            device = otp_pending_device(user=user) or otp_device_start(user=user, actor=user)
            context["provisioning"] = otp_provisioning(device)
        return context

    def form_valid(self, form) -> HttpResponse:
        user = self.request.user
        device = otp_pending_device(user=user)
        if device is None or not otp_device_confirm(
            device=device, token=form.cleaned_data["otp"], actor=user
        ):
            form.add_error("otp", _("That code is not valid. Try the current one."))
            return self.form_invalid(form)
        otp_login(self.request, device)
        return redirect("otp_enrol")
