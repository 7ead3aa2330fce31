from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "khareetaty.audit"
    label = "audit"
    verbose_name = "Audit trail"
