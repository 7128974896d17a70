"""Open the staff live feed the way a browser does: session cookie and Origin header."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from iop.asgi import application
from iop.realtime.publish import publish

FEED_PATH = "/ws/staff/"
SAME_ORIGIN = b"http://testserver"
# Long enough for a round trip through Redis on a busy machine; "nothing arrives" waits this long.
RECEIVE_TIMEOUT = 3
QUIET_TIMEOUT = 0.5


def feed_headers(
    browser: Client | None, *, origin: bytes = SAME_ORIGIN
) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin)]
    if browser is not None:
        name = settings.SESSION_COOKIE_NAME
        headers.append((b"cookie", f"{name}={browser.cookies[name].value}".encode()))
    return headers


async def try_connect(
    headers: list[tuple[bytes, bytes]],
) -> tuple[WebsocketCommunicator, bool, object]:
    """(communicator, accepted?, subprotocol or close code)."""
    communicator = WebsocketCommunicator(application, FEED_PATH, headers=headers)
    accepted, detail = await communicator.connect(timeout=RECEIVE_TIMEOUT)
    return communicator, accepted, detail


async def open_feed(browser: Client) -> WebsocketCommunicator:
    """A connected feed that has already received its feed.connected greeting."""
    communicator, accepted, detail = await try_connect(feed_headers(browser))
    assert accepted, f"feed refused with close code {detail}"
    greeting = await communicator.receive_json_from(timeout=RECEIVE_TIMEOUT)
    assert greeting["event"] == "feed.connected"
    return communicator


def publish_committed(event: str, payload: dict, **targets) -> None:
    """publish() inside a transaction that commits, as a service would."""
    with transaction.atomic():
        publish(event, payload, **targets)
