from django.urls import path

from iop.realtime.consumers import StaffFeedConsumer

websocket_urlpatterns = [path("ws/staff/", StaffFeedConsumer.as_asgi())]
