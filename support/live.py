"""Live chat's sockets: the Channels groups a chat's two sides and the desk's queues listen on,
and sending to them after commit.

Sent after commit and never raised into the caller: the committed rows are the record, the
socket message a courtesy on top (a page that reconnects reads the state afresh).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from iop.realtime.publish import deliver

log = logging.getLogger(__name__)

CHAT_EVENT = "chat.event"  # the consumers' handler: chat_event


def requester_group(user_id: int) -> str:
    """Where a client's chat page listens."""
    return f"support.chat.requester.{user_id}"


def agent_group(user_id: int) -> str:
    """Where an agent's desk page listens for the chats they are in."""
    return f"support.chat.agent.{user_id}"


def waiting_group(tier: int) -> str:
    """Where the pages of clients waiting in a tier's queue listen for their places in line."""
    return f"support.chat.waiting.{tier}"


def desk_group(tier: int) -> str:
    """Where the desk pages of a tier's agents listen for the queue."""
    return f"support.chat.desk.{tier}"


def send_on_commit(items: Iterable[tuple[list[str], dict[str, Any]]]) -> None:
    """Send each (groups, data) pair to its groups once the transaction commits."""
    batch = [(groups, {"type": CHAT_EVENT, "data": data}) for groups, data in items if groups]
    if not batch:
        return

    def send() -> None:
        try:
            deliver(batch)
        except Exception:  # noqa: BLE001 - the socket message is a courtesy on committed rows
            log.warning("live chat update failed; pages catch up when they reconnect")

    transaction.on_commit(send)
