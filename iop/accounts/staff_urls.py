from django.urls import path

from iop.accounts import staff_views
from iop.notify import views as notify_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("clients/<int:client_id>/", staff_views.client_record, name="client"),
    path(
        "clients/<int:client_id>/access-log/",
        staff_views.client_access_log,
        name="client_access_log",
    ),
    path("clients/<int:client_id>/messages/", notify_views.client_messages, name="client_messages"),
    path("outbox/", notify_views.outbox, name="outbox"),
    path("outbox/test/", notify_views.send_test, name="outbox_send_test"),
    path("messages/<int:message_id>/", notify_views.message_detail, name="message"),
]
