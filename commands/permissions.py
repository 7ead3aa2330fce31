"""Who may act on alerts and tasks, in one place for every route: the API, SMS/WhatsApp
replies and signed acknowledgement links. Field supervisors may acknowledge, not resolve
or escalate; only analysts (and superadmins) may cancel a task."""

from khareetaty.accounts.choices import Role
from khareetaty.permissions import ANALYSTS

ANALYSTS_AND_FIELD = ANALYSTS | {Role.FIELD_SUPERVISOR}

ALERT_ACTION_ROLES = {
    "acknowledge": ANALYSTS_AND_FIELD,
    "resolve": ANALYSTS,
    "escalate": ANALYSTS,
}
TASK_CANCEL_ROLES = ANALYSTS


def alert_action_allowed(*, user, action: str) -> bool:
    """Whether ``user`` (active, with a role) may ``acknowledge``/``resolve``/``escalate``."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return getattr(user, "role", None) in ALERT_ACTION_ROLES.get(action, frozenset())
