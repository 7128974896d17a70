"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import export, hours, staff

app_name = "records_staff"

urlpatterns = [
    path("clients/<int:client_id>/plan/", staff.plan, name="plan"),
    path("clients/<int:client_id>/plan/draft/", staff.plan_draft, name="plan_draft"),
    path("plans/<int:plan_id>/edit/", staff.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/share/", staff.plan_share, name="plan_share"),
    path("plans/<int:plan_id>/sign/", staff.plan_sign, name="plan_sign"),
    path("reviews/<int:review_id>/", staff.review, name="review"),
    path("hours/", hours.hours_report, name="hours"),
    path("hours.csv", hours.hours_report_export, name="hours_csv"),
    path(
        "clients/<int:client_id>/export.pdf",
        export.client_record_export,
        name="client_export",
    ),
]
