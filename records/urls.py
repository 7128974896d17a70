"""The client portal's clinical record (mounted at /records/)."""

app_name = "records"

urlpatterns: list = []
