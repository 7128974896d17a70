"""Live-feed messages collected during one escalation tick and sent after its commit at once.

publish_about_client() hands each message to Redis in its own event loop and connection; a
tick that fires fifty steps would pay that fifty times. This sends the batch through one
`send_about_clients` call: the same message shape, the same rule (each event reaches only the
people who may see its client, each delivery audited, one insert for the batch), one deadline
for all, and the feed never breaks the committed work.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from iop.realtime.publish import ClientEvent, client_event, send_about_clients

SEND_TIMEOUT_SECONDS = 2.0  # one deadline for the whole batch


class FeedBatch:
    def __init__(self) -> None:
        self.items: list[ClientEvent] = []

    def add(
        self,
        event: str,
        payload: dict[str, Any],
        *,
        client_id: int,
        user_ids=(),
        everyone: bool = False,
    ) -> None:
        if not user_ids and not everyone:
            return
        self.items.append(
            client_event(event, payload, client_id=client_id, user_ids=user_ids, everyone=everyone)
        )

    def send_on_commit(self) -> None:
        """Call inside the transaction: the batch goes out once it commits (and only then)."""
        items, self.items = self.items, []
        if items:
            transaction.on_commit(lambda: send(items))


def send(items: list[ClientEvent]) -> None:
    send_about_clients(items, timeout=SEND_TIMEOUT_SECONDS)
