"""Who hears of a change in a client's consents, without the consent ledger knowing them.

Apps register in `ready()` (recordings pauses a recording the moment someone in the room
withdraws their consent, and may resume it when they give it):

    receivers.register("recordings", consent_changed)

A receiver is called as receiver(client=, kind=, granted=, at=) after the grant or withdrawal
commits; one that fails is logged, never raised into the change (the ledger row is the record).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

ConsentReceiver = Callable[..., None]
_receivers: dict[str, ConsentReceiver] = {}


def register(name: str, receiver: ConsentReceiver) -> None:
    """Add (or replace, so `ready()` may run twice) the receiver called `name`."""
    _receivers[name] = receiver


def unregister(name: str) -> None:
    _receivers.pop(name, None)


def consent_changed(*, client: Any, kind: str, granted: bool, at: datetime) -> None:
    """Tell every receiver, once the caller's transaction commits."""

    def tell() -> None:
        for name, receiver in list(_receivers.items()):
            try:
                receiver(client=client, kind=kind, granted=granted, at=at)
            except Exception:  # noqa: BLE001 - the change is recorded; a receiver's fault is logged
                log.exception("the %s consent receiver failed", name)

    transaction.on_commit(tell)
