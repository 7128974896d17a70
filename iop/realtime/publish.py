"""Domain code sends live events to staff after its transaction commits.

`publish()` is for notices that name no client (a session starting, a message to one person).
An event that identifies a client (crisis, engagement, safety plan, texts about them) goes
through `publish_about_client()`: after commit it is sent only to the people who may see that
client now (`iop.realtime.audience`), and each of them gets an audit row, one insert per send.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
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
) -> None:
    """Send `event` to some users and/or a program's clinical staff, after commit.

    A program-wide notice must not identify a client: use `publish_about_client` for that.
    (Events to named users, such as a session's facilitators, are the caller's to scope.)
    The live feed is a courtesy on top of committed rows: if Redis is down the event is
    logged and dropped, never raised into the caller's request.
    """
    if program_id is not None and "client_id" in payload:
        raise ValueError(f"{event} identifies a client: send it with publish_about_client()")
    targets = [groups.user_group(uid) for uid in user_ids or []]
    if program_id is not None:
        targets.append(groups.program_group(program_id))
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


@dataclass(frozen=True)
class ClientEvent:
    """A live event about one client, waiting for commit: to `user_ids`, and to everyone who
    looks after the client when `everyone`; in both cases only to those who may see them."""

    client_id: int
    message: dict[str, Any]
    user_ids: tuple[int, ...] = ()
    everyone: bool = False


def client_event(
    event: str,
    payload: dict[str, Any],
    *,
    client_id: int,
    user_ids: Iterable[int] = (),
    everyone: bool = False,
) -> ClientEvent:
    return ClientEvent(
        client_id,
        feed_message(event, {**payload, "client_id": client_id}),
        tuple(dict.fromkeys(user_ids)),
        everyone,
    )


def publish_about_client(
    event: str,
    payload: dict[str, Any],
    *,
    client_id: int,
    user_ids: Iterable[int] = (),
    everyone: bool = False,
) -> None:
    """Send an event that identifies a client, after commit, to those who may see the client."""
    item = client_event(event, payload, client_id=client_id, user_ids=user_ids, everyone=everyone)
    if not item.user_ids and not everyone:
        return
    transaction.on_commit(lambda: send_about_clients([item]))


def resolve(items: list[ClientEvent]) -> Batch:
    """Who each event goes to now, with one audit row per recipient (one insert in all)."""
    from iop.accounts.models import ClientProfile
    from iop.audit.services import access_record_deliveries
    from iop.realtime import audience

    clients = ClientProfile.objects.in_bulk({item.client_id for item in items})
    batch: Batch = []
    seen: list[tuple[Any, Any, str]] = []
    for item in items:
        client = clients.get(item.client_id)
        if client is None:
            continue
        people = audience.audience_of(client, user_ids=item.user_ids, everyone=item.everyone)
        if people:
            batch.append(([groups.user_group(p.pk) for p in people], item.message))
            seen.extend((person, client, item.message["id"]) for person in people)
    access_record_deliveries(seen, object_type=FEED_OBJECT_TYPE)
    return batch


FEED_OBJECT_TYPE = "realtime.live_event"


def send_about_clients(items: list[ClientEvent], *, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
    """Resolve, audit and send; a failure is logged, never raised (the feed is a courtesy)."""
    try:
        deliver(resolve(items), timeout=timeout)
    except Exception:  # noqa: BLE001 - the feed must never break the committed action
        log.exception("live feed of %s client events failed", len(items))
