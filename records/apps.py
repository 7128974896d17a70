from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from crisis.services import resolution_listener_register
        from iop.accounts import demo
        from records import panels
        from records.demo import seed_plans
        from records.services import plan_review_after_crisis

        # A resolved crisis makes the client's treatment plan due for review (in the
        # resolution's transaction: crisis never imports records).
        resolution_listener_register("records.plan_review", plan_review_after_crisis)
        panels.register()
        demo.register("records.plans", seed_plans, order=60)
