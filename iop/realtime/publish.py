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
    message = {
        "type": "feed.event",
        "id": uuid.uuid4().hex,
        "event": event,
        "at": timezone.now().isoformat(),
        "payload": payload,
    }
    transaction.on_commit(lambda: send_now(targets, message))


# One short deadline for the whole fan-out: a Redis that accepts connections but never answers
# would otherwise hold the committing request for redis-py's 5 s socket timeout per group.
SEND_TIMEOUT_SECONDS = 1.0


async def _send_all(layer, targets: list[str], message: dict[str, Any]) -> None:
    async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
        for target in dict.fromkeys(targets):
            await layer.group_send(target, message)


def send_now(targets: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, targets, message)
    except Exception:  # noqa: BLE001 - the feed must never break the committed action
        log.exception("live feed publish of %s failed", message.get("event"))
