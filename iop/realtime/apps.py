from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "iop.realtime"
    label = "realtime"
    verbose_name = "Live feed"
