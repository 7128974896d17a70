"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import staff

app_name = "records_staff"

urlpatterns = [
    path("hours/", staff.hours_report, name="hours"),
    path("hours.csv", staff.hours_report_export, name="hours_csv"),
]
