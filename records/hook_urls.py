"""The clinical record has no webhooks from outside providers."""

app_name = "records_hooks"

urlpatterns: list = []
