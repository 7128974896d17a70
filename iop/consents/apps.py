from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "iop.consents"
    label = "consents"
    verbose_name = "Consents"
