"""Staff recordings pages, under /staff/recordings/ (behind the staff two-factor gate)."""

from django.urls import path

from recordings.views import staff

app_name = "recordings_staff"

urlpatterns = [
    path("", staff.recordings, name="list"),
    path("<int:recording_id>/", staff.recording, name="detail"),
    path("sessions/<int:session_id>/start/", staff.recording_start, name="start"),
    path("sessions/<int:session_id>/stop/", staff.recording_stop, name="stop"),
    path("requests/", staff.access_requests, name="requests"),
    path("requests/<int:request_id>/decide/", staff.access_request_decide, name="request_decide"),
]
