"""Two-factor sign-in for superadmins: TOTP devices from django-otp.

A superadmin who has a confirmed device is always asked for a code; with
``REQUIRE_2FA_FOR_SUPERADMINS`` every superadmin is, and one without a device cannot sign in
until a device is enrolled (``manage.py otp_enrol``, or another superadmin in the admin).
"""

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status

from khareetaty.accounts.choices import Role
from khareetaty.accounts.models import User
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError


class OtpRequired(ApplicationError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "otp_required"


class OtpInvalid(ApplicationError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "otp_invalid"


class OtpEnrolmentRequired(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "otp_enrolment_required"


def otp_required_for(user: User) -> bool:
    """True when ``user`` must give a one-time code to sign in."""
    if user.role != Role.SUPERADMIN:
        return False
    return settings.REQUIRE_2FA_FOR_SUPERADMINS or user_has_device(user, confirmed=True)


def otp_enrolled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def otp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed device of ``user`` that accepts ``token`` (each code works once;
    django-otp slows down repeated failures), or None."""
    token = (token or "").strip()
    if not token.isascii() or not token.isdigit():
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None


def login_otp_check(*, user: User, token: str, request) -> None:
    """Refuse an API sign-in that owes a one-time code and did not give a valid one.

    A wrong code counts like a wrong password (audit, per-address limit, lockout)."""
    if not otp_required_for(user):
        return
    if not otp_enrolled(user):
        raise OtpEnrolmentRequired(
            _("Superadmins must sign in with a one-time code; enrol a device first.")
        )
    if not token:
        raise OtpRequired(_("This account signs in with a one-time code: send it as otp."))
    if otp_verify(user=user, token=token) is None:
        user_login_failed.send(
            sender=__name__, credentials={"username": user.username}, request=request
        )
        raise OtpInvalid(_("The one-time code is not valid."))


@transaction.atomic
def otp_device_start(*, user: User, confirmed: bool = False, actor: User | None = None):
    """Create a fresh TOTP device for ``user``, replacing any unconfirmed one.

    Unconfirmed (the self-enrolment page) it counts for nothing until ``otp_device_confirm``;
    confirmed (the operator's command) it is in use at once. Audited either way.
    """
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=confirmed)
    audit_record(
        action="otp_enrol",
        actor=actor,
        obj=user,
        summary={"device": device.pk, "confirmed": confirmed},
    )
    return device


def otp_pending_device(*, user: User) -> TOTPDevice | None:
    """The device ``user`` started to enrol and has not confirmed yet, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


@transaction.atomic
def otp_device_confirm(*, device: TOTPDevice, token: str, actor: User | None = None) -> bool:
    """Confirm a device once the user proves their app holds its key (a current code)."""
    token = (token or "").strip()
    if not (token.isascii() and token.isdigit()) or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action="otp_confirm", actor=actor, obj=device.user, summary={"device": device.pk})
    return True


def otp_provisioning(device: TOTPDevice) -> dict[str, str]:
    """What an authenticator app needs: the otpauth:// URI, the key in base32, a QR (SVG)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    svg = out.getvalue().decode()
    return {
        "uri": device.config_url,
        "secret": b32encode(device.bin_key).decode(),
        "qr_svg": svg[svg.index("<svg") :],
    }
