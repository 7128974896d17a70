"""The requester's support pages, under /support/."""

from django.urls import path

from support.views import portal

app_name = "support"

urlpatterns = [
    path("tickets/", portal.tickets, name="tickets"),
    path("tickets/new/", portal.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", portal.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", portal.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/solved/", portal.ticket_solve, name="ticket_solve"),
    path("tickets/<int:ticket_id>/rate/", portal.ticket_rate, name="ticket_rate"),
]
