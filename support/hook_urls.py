"""Support's webhooks, under /hooks/support/ (none yet: tickets by email are not required)."""

app_name = "support_hooks"

urlpatterns: list = []
