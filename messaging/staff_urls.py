"""Staff messaging pages, under /staff/messaging/."""

from django.urls import path

from messaging.views import staff, staff_peer

app_name = "messaging_staff"

urlpatterns: list = [
    # Care-team threads (views/staff.py)
    path("", staff.inbox, name="inbox"),
    path("threads/<int:thread_id>/", staff.thread, name="thread"),
    path("clients/<int:client_id>/new/", staff.new, name="new"),
    # Group peer spaces (views/staff_peer.py)
    path("peer/", staff_peer.peer_spaces, name="peer_spaces"),
    path("peer/<int:space_id>/", staff_peer.peer_space, name="peer_space"),
    path("peer/<int:space_id>/post/", staff_peer.peer_post, name="peer_post"),
    path("peer/posts/<int:post_id>/hide/", staff_peer.peer_hide, name="peer_hide"),
    path("peer/posts/<int:post_id>/show/", staff_peer.peer_show, name="peer_show"),
    path("peer/posts/<int:post_id>/pin/", staff_peer.peer_pin, name="peer_pin"),
    path("peer/posts/<int:post_id>/unpin/", staff_peer.peer_unpin, name="peer_unpin"),
    path(
        "peer/<int:space_id>/members/<int:member_id>/mute/",
        staff_peer.peer_mute,
        name="peer_mute",
    ),
    path(
        "peer/<int:space_id>/members/<int:member_id>/unmute/",
        staff_peer.peer_unmute,
        name="peer_unmute",
    ),
    path("peer/reports/<int:report_id>/review/", staff_peer.peer_review, name="peer_review"),
]
