from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from records import panels

        panels.register()
