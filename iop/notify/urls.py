from django.urls import path

from iop.notify import webhooks

app_name = "notify"

urlpatterns = [
    path("status", webhooks.status, name="status"),
    path("sms", webhooks.sms, name="sms"),
    path("voice", webhooks.voice, name="voice"),
    path("voice/fallback", webhooks.voice_fallback, name="voice_fallback"),
]
