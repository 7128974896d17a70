"""The websocket routes: the core's staff feed, then the routes apps register in `ready()`.

# sessions_app/apps.py
def ready(self):
    from iop.realtime import routing
    routing.register(path("ws/sessions/<int:session_id>/presence/", PresenceConsumer.as_asgi()))
"""

from __future__ import annotations

from django.urls import URLPattern, path

from iop.realtime.consumers import StaffFeedConsumer

_routes: dict[str, URLPattern] = {}


def register(route: URLPattern) -> None:
    """Add (or replace, by its pattern) a websocket route."""
    _routes[str(route.pattern)] = route


def websocket_urlpatterns() -> list[URLPattern]:
    return [path("ws/staff/", StaffFeedConsumer.as_asgi()), *_routes.values()]
