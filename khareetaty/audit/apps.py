from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "khareetaty.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from khareetaty.audit.admin_other_apps import audit_every_admin
        from khareetaty.audit.database_roles import grant_after_migrate

        # Once per migrate (sent for each app; the audit app's is enough).
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="audit_app_role")
        audit_every_admin()
