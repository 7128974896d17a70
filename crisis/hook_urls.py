"""Twilio voice webhooks for escalation calls, under /hooks/crisis/."""

from django.urls import path

from crisis.views import hooks

app_name = "crisis_hooks"

urlpatterns = [
    path("voice/<int:event_id>/<int:user_id>", hooks.voice_prompt, name="voice_prompt"),
    path("voice/<int:event_id>/<int:user_id>/pressed", hooks.voice_pressed, name="voice_pressed"),
]
