from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "iop.api"
    label = "api"
    verbose_name = "Integrator API"
