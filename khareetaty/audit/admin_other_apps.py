"""Admins of other packages (django-celery-beat's periodic tasks, axes, auth groups, the token
blacklist) are audited like the project's own: each registered ModelAdmin that is not already
audited is re-registered as a subclass with ``AuditedAdminMixin``. A superadmin who disables the
escalation tick in the admin is then on the record."""

from django.contrib import admin

from khareetaty.audit.admin import AuditedAdminMixin
from khareetaty.audit.models import ActionLog


def audit_every_admin(site: admin.AdminSite = admin.site) -> list[str]:
    """Wrap every unaudited ModelAdmin of ``site``; return the labels of the models wrapped."""
    wrapped = []
    for model, model_admin in list(site._registry.items()):
        if model is ActionLog or isinstance(model_admin, AuditedAdminMixin):
            continue
        base = type(model_admin)
        audited = type(f"Audited{base.__name__}", (AuditedAdminMixin, base), {})
        site.unregister(model)
        site.register(model, audited)
        wrapped.append(model._meta.label_lower)
    return wrapped
