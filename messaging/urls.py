"""Client messaging pages, under /messages/."""

from django.urls import path

from messaging.views import portal, portal_peer

app_name = "messaging"

urlpatterns: list = [
    # Care-team threads (views/portal.py)
    path("", portal.threads, name="threads"),
    path("<int:thread_id>/", portal.thread, name="thread"),
    # Group peer spaces (views/portal_peer.py)
    path("peer/", portal_peer.peer_index, name="peer_index"),
    path("peer/<int:space_id>/", portal_peer.peer_space, name="peer_space"),
    path("peer/<int:space_id>/guidelines/", portal_peer.peer_guidelines, name="peer_guidelines"),
    path("peer/posts/<int:post_id>/report/", portal_peer.peer_report, name="peer_report"),
]
