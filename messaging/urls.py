"""Client messaging pages, under /messages/."""

app_name = "messaging"

urlpatterns: list = []

from django.urls import path  # noqa: E402

from messaging.views import portal  # noqa: E402

urlpatterns += [
    path("", portal.threads, name="threads"),
    path("<int:thread_id>/", portal.thread, name="thread"),
]
