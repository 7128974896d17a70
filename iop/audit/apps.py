from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "iop.audit"
    label = "audit"
    verbose_name = "Audit log"
