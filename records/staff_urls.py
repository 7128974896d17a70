"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import export, hours, staff, staff_notes

app_name = "records_staff"

urlpatterns = [
    # Treatment plans and their reviews (views/staff.py)
    path("clients/<int:client_id>/plan/", staff.plan, name="plan"),
    path("clients/<int:client_id>/plan/draft/", staff.plan_draft, name="plan_draft"),
    path("plans/<int:plan_id>/edit/", staff.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/share/", staff.plan_share, name="plan_share"),
    path("plans/<int:plan_id>/sign/", staff.plan_sign, name="plan_sign"),
    path("reviews/<int:review_id>/", staff.review, name="review"),
    # IOP hours (views/hours.py)
    path("hours/", hours.hours_report, name="hours"),
    path("hours.csv", hours.hours_report_export, name="hours_csv"),
    # Session notes (views/staff_notes.py)
    path("sessions/<int:session_id>/notes/", staff_notes.session_notes, name="session_notes"),
    path("sessions/<int:session_id>/summary/", staff_notes.group_summary, name="group_summary"),
    path(
        "sessions/<int:session_id>/notes/<int:client_id>/",
        staff_notes.note_write,
        name="note_write",
    ),
    path("notes/<int:note_id>/", staff_notes.note, name="note"),
    path("notes/<int:note_id>/sign/", staff_notes.note_sign, name="note_sign"),
    path("notes/<int:note_id>/addendum/", staff_notes.note_addendum, name="note_addendum"),
    path("notes/<int:note_id>/cosign/", staff_notes.note_cosign, name="note_cosign"),
    # The record export (views/export.py)
    path(
        "clients/<int:client_id>/export.pdf",
        export.client_record_export,
        name="client_export",
    ),
]
