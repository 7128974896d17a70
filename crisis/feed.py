"""Live-feed messages collected during one escalation tick and sent after its commit at once.

publish() hands each message to Redis in its own event loop and connection; a tick that fires
fifty steps would pay that fifty times. This sends a batch in one loop, with the same message
shape, the same deadline idea and the same rule: the feed never breaks the committed work.
"""

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
SEND_TIMEOUT_SECONDS = 2.0


class FeedBatch:
    def __init__(self) -> None:
        self.items: list[tuple[list[str], dict[str, Any]]] = []

    def add(
        self, event: str, payload: dict[str, Any], *, user_ids=(), program_id: int | None = None
    ) -> None:
        targets = [groups.user_group(uid) for uid in dict.fromkeys(user_ids)]
        if program_id is not None:
            targets.append(groups.program_group(program_id))
        if not targets:
            return
        message = {
            "type": "feed.event",
            "id": uuid.uuid4().hex,
            "event": event,
            "at": timezone.now().isoformat(),
            "payload": payload,
        }
        self.items.append((targets, message))

    def send_on_commit(self) -> None:
        """Call inside the transaction: the batch goes out once it commits (and only then)."""
        items, self.items = self.items, []
        if items:
            transaction.on_commit(lambda: send(items))


async def _send(layer, items) -> None:
    async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
        for targets, message in items:
            for target in targets:
                await layer.group_send(target, message)


def send(items) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send)(layer, items)
    except Exception:  # noqa: BLE001 - Redis down: the rows, texts and calls carry the crisis
        log.exception("live feed batch of %s messages failed", len(items))
