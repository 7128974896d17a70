"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import staff

app_name = "records_staff"

urlpatterns = [
    path(
        "clients/<int:client_id>/export.pdf",
        staff.client_record_export,
        name="client_export",
    ),
]
