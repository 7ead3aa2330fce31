"""The admin site, closed to every role but superadmin.

Django's own site sends any signed-in user it refuses back to its sign-in form ("you are
authenticated as … but are not authorized"). Here a signed-in user whose role is not
superadmin gets 403, like the rest of the site, and every admin URL declares its policy
(``role_access``) for the role-matrix test.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import URLResolver, reverse

from khareetaty.accounts.choices import Role
from khareetaty.permissions import PUBLIC, SUPERADMIN_ONLY, role_required


class KhareetatyAdminSite(admin.AdminSite):
    site_header = "Khareetaty"
    site_title = "Khareetaty"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return super().has_permission(request) and user.role == Role.SUPERADMIN

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request: HttpRequest, *args, **kwargs):
            signing_out = request.path == reverse("admin:logout", current_app=self.name)
            if request.user.is_authenticated and not (signing_out or self.has_permission(request)):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request: HttpRequest, extra_context=None):
        """Superadmins sign in through the site's page, where the sign-in limits and the
        one-time code apply; a signed-in user of another role is refused."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(next_url, login_url=reverse("login"))

    def password_change(self, request: HttpRequest, extra_context=None):
        """The site's page, which ends the user's other sessions and tokens."""
        return redirect("password_change")

    def get_urls(self):
        urls = super().get_urls()
        _declare_policy(urls)
        return urls


def _declare_policy(patterns) -> None:
    """Tag every admin URL with its policy: signing in and out is public, the rest is for
    superadmins (``admin_view`` enforces it)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _declare_policy(pattern.url_patterns)
        elif pattern.name in ("login", "logout"):
            pattern.callback = role_required(PUBLIC)(pattern.callback)
        else:
            pattern.callback.role_access = SUPERADMIN_ONLY
