"""The requester's support pages, under /support/. The help centre is open to everyone."""

from django.urls import path

from support.views import announcements, chat, help, portal

app_name = "support"

urlpatterns = [
    path("tickets/", portal.tickets, name="tickets"),
    path("tickets/new/", portal.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", portal.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", portal.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/solved/", portal.ticket_solve, name="ticket_solve"),
    path("tickets/<int:ticket_id>/rate/", portal.ticket_rate, name="ticket_rate"),
    # Live chat (support/views/chat.py; the conversation runs over /ws/support/chat/)
    path("chat/", chat.client_chat, name="chat"),
    # Help centre and guides (support/views/help.py)
    path("help/", help.help_centre, name="help"),
    path("help/articles/<slug:slug>/", help.article, name="article"),
    path("help/articles/<slug:slug>/vote/", help.vote, name="vote"),
    path("help/guides/<slug:slug>/", help.guide, name="guide"),
    path("help/trouble/", help.trouble_help, name="trouble_help"),
    # Announcements (support/views/announcements.py)
    path("updates/", announcements.updates, name="updates"),
    path("announcements/<int:announcement_id>/dismiss/", announcements.dismiss, name="dismiss"),
]
