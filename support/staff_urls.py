"""The support desk, under /staff/support/ (behind the staff two-factor gate)."""

from django.urls import path

from support.views import chat, help, staff

app_name = "support_staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("tickets/<int:ticket_id>/", staff.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", staff.ticket_reply, name="reply"),
    path("tickets/<int:ticket_id>/status/", staff.ticket_status, name="status"),
    path("tickets/<int:ticket_id>/assign/", staff.ticket_assign, name="assign"),
    path("tickets/<int:ticket_id>/take/", staff.ticket_take, name="take"),
    path("tickets/<int:ticket_id>/priority/", staff.ticket_priority, name="priority"),
    path("tickets/<int:ticket_id>/escalate/", staff.ticket_escalate, name="escalate"),
    path("chats/", chat.desk, name="chats"),
    path("metrics/", staff.metrics, name="metrics"),
    path("help/", help.staff_articles, name="help"),
]
