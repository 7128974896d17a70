from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "iop.notify"
    label = "notify"
    verbose_name = "Notifications (outbox)"
