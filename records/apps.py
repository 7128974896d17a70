from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from crisis.services import resolution_listener_register
        from iop.accounts import demo
        from records import hours_panels, panels, panels_notes
        from records.demo_hours import seed_hours
        from records.demo_notes import seed_session_notes
        from records.demo_plans import seed_plans
        from records.services import plan_review_after_crisis

        # A resolved crisis makes the client's treatment plan due for review (in the
        # resolution's transaction: crisis never imports records).
        resolution_listener_register("records.plan_review", plan_review_after_crisis)
        # Links and cards in the core's pages: plans and the export, hours, session notes.
        panels.register()
        hours_panels.register()
        panels_notes.register()
        # The demo: attended hours first (sessions), then plans, then notes of a session.
        demo.register("records.hours", seed_hours, order=15)
        demo.register("records.plans", seed_plans, order=60)
        demo.register("records.notes", seed_session_notes, order=65)
