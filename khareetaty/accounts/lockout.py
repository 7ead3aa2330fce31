from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKOUT_STATUS = 403


def lockout_message() -> str:
    return _("Too many failed sign-in attempts. This account is locked for a while; try later.")


def lockout_response(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    """What axes returns to a locked-out page or API client."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "account_locked", "detail": lockout_message()}, status=LOCKOUT_STATUS
        )
    return render(
        request,
        "registration/locked_out.html",
        {"message": lockout_message()},
        status=LOCKOUT_STATUS,
    )
