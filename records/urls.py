"""The client portal's clinical record (mounted at /records/)."""

from django.urls import path

from records.views import portal_notes

app_name = "records"

urlpatterns: list = [
    # Session notes (views/portal_notes.py)
    path("notes/", portal_notes.notes, name="notes"),
    path("notes/<int:note_id>/", portal_notes.note, name="note"),
]
