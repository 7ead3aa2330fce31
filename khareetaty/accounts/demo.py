"""Demo sign-ins for `make run`: one user per role, random passwords shown once."""

import secrets

from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.models import User
from khareetaty.accounts.services import user_create

DEMO_USERS = [
    ("admin", Role.SUPERADMIN, "Demo", "Superadmin", Language.ENGLISH),
    ("analyst", Role.ANALYST, "Demo", "Analyst", Language.ENGLISH),
    ("viewer", Role.VIEWER, "Demo", "Viewer", Language.ARABIC),
]


def demo_users_ensure(roles: dict[str, str] | None = None) -> dict[str, str]:
    """Create the demo users that do not exist yet; return {username: password} of new ones.

    ``roles`` lets a higher app add its own demo role (e.g. a field supervisor) by username.
    """
    wanted = list(DEMO_USERS)
    for username, role in (roles or {}).items():
        wanted.append((username, role, "Demo", role.replace("_", " ").title(), Language.ARABIC))
    created = {}
    for username, role, first_name, last_name, language in wanted:
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        user_create(
            username=username,
            password=password,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@khareetaty.invalid",
            preferred_language=language,
        )
        created[username] = password
    return created
