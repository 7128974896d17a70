"""The client portal's clinical record (mounted at /records/)."""

from django.urls import path

from records.views import portal, portal_notes

app_name = "records"

urlpatterns = [
    path("plan/", portal.plan, name="plan"),
    path("plan/<int:plan_id>/comment/", portal.plan_comment, name="plan_comment"),
    path("plan/<int:plan_id>/sign/", portal.plan_sign, name="plan_sign"),
    # Session notes (views/portal_notes.py)
    path("notes/", portal_notes.notes, name="notes"),
    path("notes/<int:note_id>/", portal_notes.note, name="note"),
]
