"""The video provider's webhooks, under /hooks/sessions/."""

from django.urls import path

from sessions_app.views import hooks

app_name = "sessions_hooks"

urlpatterns = [
    path("<str:provider>/", hooks.provider_webhook, name="webhook"),
]
