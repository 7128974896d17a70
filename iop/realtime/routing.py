from django.urls import path

from iop.realtime.consumers import StaffFeedConsumer
from sessions_app.consumers import PresenceConsumer

websocket_urlpatterns = [
    path("ws/staff/", StaffFeedConsumer.as_asgi()),
    path("ws/sessions/<int:session_id>/presence/", PresenceConsumer.as_asgi()),
]
