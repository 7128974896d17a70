from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from crisis.services import resolution_listener_register
        from iop.accounts import demo
        from records import hours_panels, panels
        from records.demo_hours import seed_hours
        from records.demo_plans import seed_plans
        from records.services import plan_review_after_crisis

        # A resolved crisis makes the client's treatment plan due for review (in the
        # resolution's transaction: crisis never imports records).
        resolution_listener_register("records.plan_review", plan_review_after_crisis)
        panels.register()
        hours_panels.register()
        demo.register("records.hours", seed_hours, order=15)
        demo.register("records.plans", seed_plans, order=60)
