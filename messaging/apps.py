from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = "Messaging: care-team threads and group peer spaces"

    def ready(self):
        # Care-team threads: links and the dashboard card, the demo's conversation, and the
        # clinic hours read once so a bad setting stops start-up.
        from iop.accounts import demo
        from messaging import thread_panels
        from messaging.clinic_hours import clinic_hours
        from messaging.demo_threads import seed_threads

        clinic_hours("UTC")
        thread_panels.register()
        demo.register("messaging.threads", seed_threads, order=40)
