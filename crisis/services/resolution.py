"""Who hears that a crisis was resolved, inside the resolution's transaction.

Apps above crisis register a listener here (records schedules a treatment plan review), so
crisis never imports them. Each listener runs in its own savepoint of `crisis_resolve`'s
transaction: what it writes commits with the resolution or not at all, and one that fails is
logged and skipped, so a broken listener can never stop a crisis from being resolved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from crisis.models import CrisisEvent
from iop.viewer import Actor

log = logging.getLogger(__name__)

# Called as listener(actor=, client=, event_id=, resolved_at=).
ResolutionListener = Callable[..., None]
_listeners: dict[str, ResolutionListener] = {}


def resolution_listener_register(name: str, listener: ResolutionListener) -> None:
    """Add (or replace, so `ready()` may run twice) what else happens when a crisis resolves."""
    _listeners[name] = listener


def resolution_listener_unregister(name: str) -> None:
    _listeners.pop(name, None)


def _resolution_told(*, actor: Actor, event: CrisisEvent, at: datetime) -> None:
    """Inside crisis_resolve's transaction: each listener in its own savepoint."""
    for name, listener in list(_listeners.items()):
        try:
            with transaction.atomic():
                listener(actor=actor, client=event.client, event_id=event.pk, resolved_at=at)
        except Exception:  # noqa: BLE001 - the resolution must commit even if a listener breaks
            log.exception("the %s listener of a crisis resolution failed", name)
