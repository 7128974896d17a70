"""Where inbound texts and hotline calls go once the outbox has recorded them.

STOP, START and HELP are answered by the outbox itself; every other text (and every hotline
call) is offered to each registered receiver in priority order. The crisis app registers a
keyword screen, the support app routes texts to the care team:

    # crisis/apps.py
    def ready(self):
        from iop.notify import receivers
        receivers.register("crisis.keywords", screen_inbound_text, priority=10)

A receiver takes the InboundMessage and may return a reply to text back. Each runs in its own
savepoint: one that raises is logged and rolled back, and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[..., "str | None"]


@dataclass(frozen=True)
class Receiver:
    name: str
    handler: Handler
    priority: int
    channels: tuple[str, ...]


_registry: dict[str, Receiver] = {}


def register(
    name: str, handler: Handler, *, priority: int = 100, channels: tuple[str, ...] = ("sms",)
) -> None:
    """Add (or replace, so AppConfig.ready may run twice) the receiver called `name`."""
    _registry[name] = Receiver(name, handler, priority, tuple(channels))


def unregister(name: str) -> None:
    _registry.pop(name, None)


def registered() -> list[Receiver]:
    return sorted(_registry.values(), key=lambda r: (r.priority, r.name))


def deliver(inbound) -> tuple[list[str], list[str]]:
    """Offer `inbound` to every receiver of its channel: (names that took it, replies)."""
    handled: list[str] = []
    replies: list[str] = []
    for receiver in registered():
        if inbound.channel not in receiver.channels:
            continue
        try:
            with transaction.atomic():
                reply = receiver.handler(inbound)
        except Exception:  # noqa: BLE001 - one broken receiver must not lose the text for others
            log.exception("inbound receiver %s failed on message %s", receiver.name, inbound.pk)
            continue
        handled.append(receiver.name)
        if reply:
            replies.append(str(reply))
    return handled, replies
