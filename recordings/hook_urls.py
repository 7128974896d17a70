"""Recording providers' webhooks, under /hooks/recordings/."""

from django.urls import URLPattern

app_name = "recordings_hooks"

urlpatterns: list[URLPattern] = []
