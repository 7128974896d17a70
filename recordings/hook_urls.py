"""Recording providers' webhooks, under /hooks/recordings/."""

from django.urls import path

from recordings.views import hooks

app_name = "recordings_hooks"

urlpatterns = [
    path("livekit/", hooks.livekit_webhook, name="livekit"),
]
