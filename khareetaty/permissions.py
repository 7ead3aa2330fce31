"""Role-based access, declared on every API view.

Each view sets ``role_access``: a mapping from a DRF action name (``list``, ``create``,
``acknowledge`` …), or the generic keys ``read`` / ``write``, to the roles allowed. ``PUBLIC``
opens an endpoint to anonymous callers. A view that declares nothing is closed to everyone,
and the role-matrix test fails on it, so a new endpoint cannot slip through unguarded.
"""

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


class RoleAccess(BasePermission):
    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        roles = allowed_roles(view, request.method)
        if roles is None:
            return False
        if roles is PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in roles)
