"""Writes for accounts: creating users and changing roles, always audited."""

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.models import User
from khareetaty.audit.services import audit_record

# Apps whose rows only superadmins may see, even read-only.
_PRIVATE_APPS = {"accounts", "audit", "axes", "token_blacklist", "sessions", "admin", "auth"}


def role_groups_sync() -> None:
    """Create one auth group per role and give it the role's model permissions.

    Superadmins get every permission; analysts and viewers get the view permissions of the
    operational apps; field supervisors only those of tasks and teams. Apps add their own
    write permissions for analysts when they need them.
    """
    everything = Permission.objects.all()
    viewable = everything.filter(codename__startswith="view_").exclude(
        content_type__app_label__in=_PRIVATE_APPS
    )
    # Field supervisors work from the field view and the API, scoped to their own tasks;
    # in the admin they could only ever read the task board.
    field = everything.filter(
        content_type__app_label="commands",
        codename__in=["view_task", "view_taskupdate", "view_team"],
    )
    grants = {
        Role.SUPERADMIN: everything,
        Role.ANALYST: viewable,
        Role.VIEWER: viewable,
        Role.FIELD_SUPERVISOR: field,
    }
    for role, permissions in grants.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(permissions)


def _apply_role(user: User, role: str) -> None:
    user.role = role
    user.is_staff = role == Role.SUPERADMIN
    user.is_superuser = role == Role.SUPERADMIN


def _sync_groups(user: User) -> None:
    user.groups.set(Group.objects.filter(name=user.role))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.VIEWER,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone_number: str = "",
    preferred_language: str = Language.ARABIC,
    actor: User | None = None,
) -> User:
    """Create a user with a validated password and the groups of its role."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
        preferred_language=preferred_language,
    )
    _apply_role(user, role)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    _sync_groups(user)
    audit_record(
        action="create",
        actor=actor,
        obj=user,
        summary={"username": username, "role": role},
    )
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User | None = None) -> User:
    """Change a user's role, keep staff flags and groups in step, and audit the change."""
    previous = User.objects.filter(pk=user.pk).values_list("role", flat=True).first()
    _apply_role(user, role)
    user.full_clean()
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    _sync_groups(user)
    if previous != role:
        audit_record(
            action="role_change",
            actor=actor,
            obj=user,
            summary={"from": previous, "to": role},
        )
        user_tokens_revoke(user=user, reason="role_change", actor=actor)
    return user


@transaction.atomic
def user_tokens_revoke(*, user: User, reason: str, actor: User | None = None) -> int:
    """End every token and page session ``user`` holds, and audit it.

    Raising ``token_version`` changes the credentials fingerprint that access tokens, refresh
    tokens and session hashes carry, so each is refused on its next use; outstanding refresh
    tokens are also blacklisted. Returns how many refresh tokens were blacklisted.
    """
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    blacklisted = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    audit_record(
        action="tokens_revoke",
        actor=actor,
        obj=user,
        summary={"reason": reason, "refresh_tokens_blacklisted": len(blacklisted)},
    )
    return len(blacklisted)


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: User | None = None) -> User:
    """Set a validated password, then end the user's other tokens and sessions (audited)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="password_change", actor=actor, obj=user)
    user_tokens_revoke(user=user, reason="password_change", actor=actor)
    return user


@transaction.atomic
def user_set_active(*, user: User, is_active: bool, actor: User | None = None) -> User:
    """Activate or deactivate a user; deactivation ends every token and session (audited)."""
    previous = User.objects.filter(pk=user.pk).values_list("is_active", flat=True).first()
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    if previous != is_active:
        audit_record(
            action="activate" if is_active else "deactivate", actor=actor, obj=user, summary={}
        )
        if not is_active:
            user_tokens_revoke(user=user, reason="deactivation", actor=actor)
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the interface language the user chose; audited like any profile change."""
    if user.preferred_language != language:
        previous = user.preferred_language
        user.preferred_language = language
        user.full_clean(validate_unique=False)
        user.save(update_fields=["preferred_language"])
        audit_record(
            action="update",
            actor=user,
            obj=user,
            summary={"preferred_language": [previous, language]},
        )
    return user
