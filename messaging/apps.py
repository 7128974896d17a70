from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = "Messaging: care-team threads and group peer spaces"

    def ready(self):
        pass
