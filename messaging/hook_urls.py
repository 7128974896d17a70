"""Messaging has no webhooks from outside providers."""

app_name = "messaging_hooks"

urlpatterns: list = []
