from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = "Records: treatment plans, session notes and IOP hours"

    def ready(self):
        from iop.accounts import demo
        from records import panels, panels_notes
        from records.demo_notes import seed_session_notes

        # Session notes: "Write notes" on a session page, the dashboard's overdue and
        # co-signature card, the client's "My notes"; the demo's documented session.
        panels.register()
        panels_notes.register()
        demo.register("records.notes", seed_session_notes, order=60)
