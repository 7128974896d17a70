"""Entering a session's video room through Harbor, and what the apps above sessions hear of it.

`room_join` hands out the room's address (and the provider's token in it) only after every
registered presence listener has heard of the join and returned: recordings ends a segment
there, so nobody without consent is captured before their join is acknowledged. Listeners
also hear the joins and leaves the session page and the video provider's webhooks record
(`attendance_event_record`), after they commit. Apps above sessions register in `ready()`:

    room_listener_register("recordings", presence_changed)

A listener is called as listener(session=, user_id=, joined=, at=, through_harbor=), where
`through_harbor` is True for `room_join`'s call. For `room_join` a listener that raises refuses
the join (a DomainError's message is shown); for recorded events it is logged and skipped.

`room_notice` tells the people in a session what changed (the facilitators' live feed and every
expected client's open session page), for the same apps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.domain import Conflict, DomainError, NotAllowed
from iop.viewer import Actor, person_of
from sessions_app.live import audit_deliveries, to_client_page, to_facilitators
from sessions_app.models import Session, SessionStatus
from sessions_app.selectors import expected_clients, facilitator_ids, is_expected
from sessions_app.video import RoomEntry, provider_for

log = logging.getLogger(__name__)

RoomListener = Callable[..., None]
_listeners: dict[str, RoomListener] = {}


def room_listener_register(name: str, listener: RoomListener) -> None:
    """Add (or replace, so `ready()` may run twice) who hears of joins and leaves."""
    _listeners[name] = listener


def room_listener_unregister(name: str) -> None:
    _listeners.pop(name, None)


def room_join(*, actor: Actor, session: Session) -> RoomEntry:
    """How to enter the room (its address, the provider's token) for an expected client or one
    of the session's facilitators, while the session is open; given only once every listener has
    heard of the join."""

    person = person_of(actor)
    if person is None:
        raise NotAllowed("Only people join a session's room.")
    moderator = person.pk in facilitator_ids(session)
    if not moderator:
        client = getattr(person, "client_profile", None) if person.is_client else None
        if client is None or not is_expected(session, client):
            raise NotAllowed("You are not expected at this session.")
    now = timezone.now()
    opens = session.starts_at - timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    if session.status == SessionStatus.CANCELLED:
        raise Conflict("This session was cancelled.")
    if not opens <= now < session.ends_at:
        raise Conflict("This session is not open to join now.")
    for name, listener in list(_listeners.items()):
        try:
            listener(session=session, user_id=person.pk, joined=True, at=now, through_harbor=True)
        except DomainError:
            raise
        except Exception:
            # Fail closed: a listener that could not run may be the one keeping someone who
            # has not agreed out of a recording.
            log.exception("the %s room listener failed on a join", name)
            raise Conflict(
                "The room cannot be opened right now. Please try again in a moment."
            ) from None
    return provider_for(session).room_entry(session, user=person, moderator=moderator)


def room_presence_recorded(*, session: Session, user_id: int, joined: bool, at: datetime) -> None:
    """After commit, tell the listeners of a join or leave the attendance records took."""

    def tell() -> None:
        for name, listener in list(_listeners.items()):
            try:
                listener(
                    session=session, user_id=user_id, joined=joined, at=at, through_harbor=False
                )
            except Exception:  # noqa: BLE001 - the attendance is recorded; one listener failing
                log.exception("the %s room listener failed", name)

    transaction.on_commit(tell)


def room_notice(
    *,
    session: Session,
    event: str,
    staff_payload: dict[str, Any],
    client_payload: dict[str, Any],
    client_ids: Iterable[int] = (),
) -> None:
    """After commit: `staff_payload` to the session's facilitators (each delivery audited for
    the clients in `client_ids` it names), `client_payload` to every expected client's open
    session page. The client payload must name nobody: every client in the room sees it."""
    user_ids = facilitator_ids(session)
    to_facilitators(session, event, staff_payload, user_ids=user_ids, audit=False)
    audit_deliveries(user_ids, list(client_ids), event)
    message = {"event": event, "payload": client_payload, "at": timezone.now().isoformat()}
    for client in expected_clients(session):
        to_client_page(session.pk, client.pk, message)
