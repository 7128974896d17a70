from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from iop.accounts import demo
        from records import hours_panels, panels
        from records.demo import seed_hours

        panels.register()
        hours_panels.register()
        demo.register("records.hours", seed_hours, order=15)
