"""Client recordings pages, under /recordings/; and every player's media (staff's too)."""

from django.urls import path

from recordings.views import media, portal

app_name = "recordings"

urlpatterns = [
    path(
        "<int:recording_id>/request-access/",
        portal.request_access,
        name="request_access",
    ),
    path(
        "requests/<int:request_id>/withdraw/",
        portal.request_withdraw,
        name="request_withdraw",
    ),
    path("", portal.recordings, name="list"),
    path("<int:recording_id>/", portal.recording, name="detail"),
    path("play/<str:token>/", media.play, name="play"),
]
