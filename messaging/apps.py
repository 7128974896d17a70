from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = "Messaging: care-team threads and group peer spaces"

    def ready(self):
        # Group peer spaces: menu links, and the demo's space (after sessions and crisis).
        from iop.accounts import demo
        from messaging import panels_peer
        from messaging.demo import seed_peer_spaces

        panels_peer.register()
        demo.register("messaging.peer", seed_peer_spaces, order=50)
