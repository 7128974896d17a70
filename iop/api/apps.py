from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ApiConfig(AppConfig):
    name = "iop.api"
    label = "api"
    verbose_name = "Integrator API"

    def ready(self) -> None:
        from iop.api.table_changes import installed_after_migrate

        # After every migrate: tables made since have their change trigger too.
        post_migrate.connect(
            installed_after_migrate, sender=self, dispatch_uid="api-table-change-triggers"
        )
