"""Staff messaging pages, under /staff/messaging/."""

app_name = "messaging_staff"

urlpatterns: list = []

from django.urls import path  # noqa: E402

from messaging.views import staff  # noqa: E402

urlpatterns += [
    path("", staff.inbox, name="inbox"),
    path("threads/<int:thread_id>/", staff.thread, name="thread"),
    path("clients/<int:client_id>/new/", staff.new, name="new"),
]
