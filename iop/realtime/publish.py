"""publish(): domain code sends a live event to staff after its transaction commits."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from iop.realtime import groups

log = logging.getLogger(__name__)


def publish(
    event: str,
    payload: dict[str, Any],
    *,
    user_ids: list[int] | None = None,
    program_id: int | None = None,
    on_call: bool = False,
) -> None:
    """Send `event` to some users, a program's staff and/or everyone on call, after commit.

    The live feed is a courtesy on top of committed rows: if Redis is down the event is
    logged and dropped, never raised into the caller's request.
    """
    targets = [groups.user_group(uid) for uid in user_ids or []]
    if program_id is not None:
        targets.append(groups.program_group(program_id))
    if on_call:
        targets.append(groups.ON_CALL)
    if not targets:
        return
    message = feed_message(event, payload)
    transaction.on_commit(lambda: send_now(targets, message))


def feed_message(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The one shape of a live-feed event, as the staff consumer relays it."""
    return {
        "type": "feed.event",
        "id": uuid.uuid4().hex,
        "event": event,
        "at": timezone.now().isoformat(),
        "payload": payload,
    }


# One short deadline for the whole fan-out: a Redis that accepts connections but never answers
# would otherwise hold the caller for redis-py's 5 s socket timeout per group, or for ever.
SEND_TIMEOUT_SECONDS = 1.0

Batch = list[tuple[list[str], dict[str, Any]]]  # (channel-layer groups, message) pairs


async def _send_all(layer, items: Batch) -> None:
    for targets, message in items:
        for target in dict.fromkeys(targets):
            await layer.group_send(target, message)


def deliver(items: Batch, *, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
    """Hand messages to the channel layer within one deadline; raises if that fails.

    Every send to a channel layer goes through here, so none can hang its caller.
    """
    layer = get_channel_layer()
    if layer is None or not items:
        return

    async def bounded() -> None:
        async with asyncio.timeout(timeout):
            await _send_all(layer, items)

    async_to_sync(bounded)()


def send_now(targets: list[str], message: dict[str, Any]) -> None:
    """Send one message now; a failure is logged, never raised (the feed is a courtesy)."""
    try:
        deliver([(targets, message)])
    except Exception:  # noqa: BLE001 - the feed must never break the committed action
        log.exception("live feed publish of %s failed", message.get("event"))
