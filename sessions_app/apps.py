from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Sessions and attendance"

    def ready(self):
        from django.urls import path

        from iop.accounts import demo
        from iop.realtime import routing
        from sessions_app import panels
        from sessions_app.consumers import PresenceConsumer
        from sessions_app.demo import seed_sessions

        routing.register(path("ws/sessions/<int:session_id>/presence/", PresenceConsumer.as_asgi()))
        panels.register()
        demo.register("sessions", seed_sessions, order=10)
