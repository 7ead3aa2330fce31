"""Django's auth signals are the only place logins surface, so the audit listens here."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from khareetaty.accounts.services import role_groups_sync
from khareetaty.audit.services import audit_record
from khareetaty.throttling import SignInFailureLimit


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    role_groups_sync()


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    audit_record(action="login", actor=user, obj=user, summary={"username": user.username})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action="logout", actor=user, obj=user, summary={"username": user.username})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        action="login_failed",
        actor=None,
        object_type="accounts.user",
        summary={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_login_failed, dispatch_uid="count_login_failure")
def count_login_failure(sender, credentials, request=None, **kwargs) -> None:
    """Failures per client address, across usernames, for the sign-in limit."""
    if request is not None:
        SignInFailureLimit.record_failure(request)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        action="lockout",
        actor=None,
        object_type="accounts.user",
        summary={"username": username or "", "ip": ip_address or ""},
    )
