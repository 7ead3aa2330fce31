"""Privileges of the application's database role, applied after every ``migrate``.

Migrations run as the schema owner; the application runs as ``settings.DB_APP_ROLE``, which
owns nothing and may read and write every table but only INSERT into and SELECT from the audit
trail. Not being the owner, it cannot disable the append-only triggers, and it has no UPDATE,
DELETE or TRUNCATE privilege on ``action_log`` to begin with.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

GRANTS = """
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
REVOKE ALL ON action_log FROM {role};
GRANT SELECT, INSERT ON action_log TO {role};
"""


def app_role_grant(*, using: str = "default") -> str | None:
    """Grant the application role its privileges; return its name (None when not configured).

    Raises ``ImproperlyConfigured`` if the role does not exist: the deployment must create it
    (scripts/bootstrap.sh and docker-compose.yml do) or set ``DB_APP_ROLE=`` explicitly.
    """
    role = settings.DB_APP_ROLE
    if not role:
        return None
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise ImproperlyConfigured(
                f"DB_APP_ROLE={role!r}: no such database role. Create it (LOGIN, not a "
                "superuser, owning nothing) or set DB_APP_ROLE= to run as the owner."
            )
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return role  # run by the application role itself: nothing it could grant
        quoted = connection.ops.quote_name(role)
        cursor.execute(GRANTS.format(role=quoted))
    return role


def grant_after_migrate(sender, using: str = "default", **kwargs) -> None:
    app_role_grant(using=using)
