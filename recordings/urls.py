"""Client recordings pages, under /recordings/."""

from django.urls import path

from recordings.views import portal

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
]
