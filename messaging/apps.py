from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = "Messaging: care-team threads and group peer spaces"

    def ready(self):
        from iop.accounts import demo
        from messaging import panels_peer, thread_panels
        from messaging.clinic_hours import clinic_hours
        from messaging.demo import seed_peer_spaces
        from messaging.demo_threads import seed_threads

        # Care-team threads: links and the dashboard card, the demo's conversation, and the
        # clinic hours read once so a bad setting stops start-up.
        clinic_hours("UTC")
        thread_panels.register()
        demo.register("messaging.threads", seed_threads, order=40)
        # Group peer spaces: menu links, and the demo's space (after sessions and crisis).
        panels_peer.register()
        demo.register("messaging.peer", seed_peer_spaces, order=50)
