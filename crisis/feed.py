"""Live-feed messages collected during one escalation tick and sent after its commit at once.

publish() hands each message to Redis in its own event loop and connection; a tick that fires
fifty steps would pay that fifty times. This sends the batch through one `deliver` call: the
same message shape, one deadline for all, and the same rule: the feed never breaks the
committed work.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from iop.realtime import groups
from iop.realtime.publish import Batch, deliver, feed_message

log = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 2.0  # one deadline for the whole batch


class FeedBatch:
    def __init__(self) -> None:
        self.items: Batch = []

    def add(
        self, event: str, payload: dict[str, Any], *, user_ids=(), program_id: int | None = None
    ) -> None:
        targets = [groups.user_group(uid) for uid in dict.fromkeys(user_ids)]
        if program_id is not None:
            targets.append(groups.program_group(program_id))
        if not targets:
            return
        message = feed_message(event, payload)
        self.items.append((targets, message))

    def send_on_commit(self) -> None:
        """Call inside the transaction: the batch goes out once it commits (and only then)."""
        items, self.items = self.items, []
        if items:
            transaction.on_commit(lambda: send(items))


def send(items: Batch) -> None:
    try:
        deliver(items, timeout=SEND_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - Redis down: the rows, texts and calls carry the crisis
        log.exception("live feed batch of %s messages failed", len(items))
