"""Client recordings pages, under /recordings/; and every player's media (staff's too)."""

from django.urls import path

from recordings.views import media, portal

app_name = "recordings"

urlpatterns = [
    path("", portal.recordings, name="list"),
    path("<int:recording_id>/", portal.recording, name="detail"),
    path("play/<str:token>/", media.play, name="play"),
]
