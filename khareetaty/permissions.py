"""Role-based access, declared on every view of the site.

Each API view sets ``role_access``: a mapping from a DRF action name (``list``, ``create``,
``acknowledge`` …), an HTTP method, or the generic keys ``read`` / ``write``, to the roles
allowed. ``PUBLIC`` opens an endpoint to anonymous callers. A view that declares nothing is
closed to everyone, and the role-matrix test fails on it, so a new endpoint cannot slip
through unguarded.

Pages and page data (plain Django views) declare the same policy with ``role_required``,
which also sets ``role_access`` on the view, so the role-matrix test walks them with the API.
"""

from collections.abc import Callable, Mapping
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission

from khareetaty.accounts.choices import Role

PUBLIC = frozenset({"__public__"})
ANY_ROLE = frozenset(Role.values)
# Command staff: everyone but field supervisors, who see only their tasks and nearby hotspots.
STAFF = frozenset({Role.VIEWER, Role.ANALYST, Role.SUPERADMIN})
ANALYSTS = frozenset({Role.ANALYST, Role.SUPERADMIN})
SUPERADMINS = frozenset({Role.SUPERADMIN})

# The usual policy for operational data: command staff read, analysts and up write.
READ_STAFF_WRITE_ANALYSTS = {"read": STAFF, "write": ANALYSTS}
SUPERADMIN_ONLY = {"read": SUPERADMINS, "write": SUPERADMINS}


def allowed_roles(view, method: str) -> frozenset[str] | None:
    """The roles allowed to call ``view`` with ``method``, or None when undeclared."""
    policy = getattr(view, "role_access", None)
    if not policy:
        return None
    action = getattr(view, "action", None)
    if action and action in policy:
        return policy[action]
    if method.upper() in policy:
        return policy[method.upper()]
    return policy.get("read" if method.upper() in SAFE_METHODS else "write")


def role_allows(user, roles: frozenset[str] | None) -> bool:
    """Whether ``user`` may do what ``roles`` (a policy entry) allows."""
    if roles is None:
        return False
    if roles is PUBLIC:
        return True
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


class RoleAccess(BasePermission):
    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        return role_allows(request.user, allowed_roles(view, request.method))


def role_required(
    policy: Mapping[str, frozenset[str]] | frozenset[str],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Guard a plain Django view (page or page data) with the API's declarative policy.

    ``policy`` is a ``role_access`` mapping or one set of roles for every method. Anonymous
    callers of a non-public view are sent to the sign-in page; signed-in users whose role is
    not allowed get 403 (``PermissionDenied``).
    """
    if isinstance(policy, frozenset):
        policy = {"read": policy, "write": policy}

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            roles = allowed_roles(guarded, request.method)
            if roles is not PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not role_allows(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.role_access = dict(policy)
        return guarded

    return decorate
