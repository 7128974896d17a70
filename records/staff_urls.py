"""The staff dashboard's clinical record (mounted at /staff/records/)."""

from django.urls import path

from records.views import staff, staff_notes

app_name = "records_staff"

urlpatterns: list = [
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
    # The record export (views/staff.py)
    path(
        "clients/<int:client_id>/export.pdf",
        staff.client_record_export,
        name="client_export",
    ),
]
