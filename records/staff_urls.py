"""The staff dashboard's clinical record (mounted at /staff/records/)."""

app_name = "records_staff"

urlpatterns: list = []
