from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    label = "support"
    verbose_name = "Tech support: help centre, tickets, live chat and announcements"

    def ready(self):
        # Registries this app fills (slots, websocket routes, demo seeders) are added by the
        # features that need them; see docs/architecture.md.
        pass
