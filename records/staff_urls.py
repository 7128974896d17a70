"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import hours, staff

app_name = "records_staff"

urlpatterns = [
    path("hours/", hours.hours_report, name="hours"),
    path("hours.csv", hours.hours_report_export, name="hours_csv"),
    path(
        "clients/<int:client_id>/export.pdf",
        staff.client_record_export,
        name="client_export",
    ),
]
