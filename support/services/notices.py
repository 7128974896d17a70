"""Telling people about tickets: staff through the outbox (a live-feed message, and an email for
breaches) and the desk's dashboards through the live feed; requesters by email.

Nothing the requester wrote goes into a notice (a subject may say more than it should): a
notice names the ticket's number, priority and category, and links to it. Every message has an
idempotency key naming the ticket and the occasion, so a replayed step never sends twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from iop.accounts.models import User
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.notify.services.outbox import message_enqueue_many
from iop.realtime.publish import publish
from support.models import Ticket

log = logging.getLogger(__name__)


def ticket_label(ticket: Ticket) -> str:
    return f"#{ticket.pk} ({ticket.get_priority_display().lower()}, {ticket.get_category_display().lower()})"


def staff_url(ticket: Ticket) -> str:
    return reverse("support_staff:ticket", args=[ticket.pk])


def requester_url(ticket: Ticket) -> str:
    return reverse("support:ticket", args=[ticket.pk])


def staff_specs(
    ticket: Ticket, people: Iterable[User], *, key: str, text: str, email: bool = False
) -> tuple[list[dict[str, Any]], list[int]]:
    """The outbox messages telling each person (a live-feed message, and an email when asked),
    as `message_enqueue_many` specs, and who they are for."""
    specs: list[dict[str, Any]] = []
    told: list[int] = []
    link = f"{settings.PUBLIC_BASE_URL}{staff_url(ticket)}"
    for person in {p.pk: p for p in people if p.is_active}.values():
        specs.append(
            {
                "actor": None,
                "channel": Channel.FEED,
                "purpose": Purpose.SUPPORT,
                "idempotency_key": f"support:{ticket.pk}:{key}:feed:{person.pk}",
                "user": person,
                "about": ticket,
                "body": text,
            }
        )
        if email and person.email:
            specs.append(
                {
                    "actor": None,
                    "channel": Channel.EMAIL,
                    "purpose": Purpose.SUPPORT,
                    "idempotency_key": f"support:{ticket.pk}:{key}:email:{person.pk}",
                    "user": person,
                    "about": ticket,
                    "subject": f"{settings.CLINIC_NAME} support: ticket {ticket_label(ticket)}",
                    "body": f"{text}\n\n{link}",
                }
            )
        told.append(person.pk)
    return specs, told


def tell_staff(
    ticket: Ticket, people: Iterable[User], *, key: str, text: str, email: bool = False
) -> list[int]:
    """Tell each person through the outbox (one insert for all); returns who was told."""
    specs, told = staff_specs(ticket, people, key=key, text=text, email=email)
    if specs:
        message_enqueue_many(specs)
    return told


def tell_requester(ticket: Ticket, *, key: str, text: str) -> None:
    """An email to the requester saying something happened (never what was written)."""
    requester = ticket.requester
    if not requester.is_active or not requester.email:
        return
    link = f"{settings.PUBLIC_BASE_URL}{requester_url(ticket)}"
    message_enqueue(
        actor=None,
        channel=Channel.EMAIL,
        purpose=Purpose.SUPPORT,
        idempotency_key=f"support:{ticket.pk}:{key}:requester",
        user=requester,
        about=ticket,
        subject=f"{settings.CLINIC_NAME}: your tech-support request #{ticket.pk}",
        body=f"{text}\n\nSee it here: {link}",
    )


def desk_update(ticket: Ticket, event: str, title: str, user_ids: Iterable[int]) -> None:
    """A live update for the desk's dashboards (after commit; names no client)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    publish(
        event,
        {
            "ticket_id": ticket.pk,
            "title": title,
            "status": ticket.status,
            "priority": ticket.priority,
            "tier": ticket.tier,
            "sla_state": ticket.sla_state,
            "url": staff_url(ticket),
        },
        user_ids=ids,
    )


class DeskBatch:
    """The desk's live updates of one tick, sent together after its commit (one deadline)."""

    def __init__(self, *, desk: Callable[[], list[User]] | None = None) -> None:
        self.items: list[tuple[list[str], dict[str, Any]]] = []
        self._people = desk  # who is on the desk, asked once something is added
        self._desk: list[int] | None = None

    def add(self, ticket: Ticket, event: str, title: str) -> None:
        from iop.realtime import groups
        from iop.realtime.publish import feed_message
        from support.selectors import assignable_agents

        if self._desk is None:
            self._desk = [p.pk for p in (self._people or assignable_agents)()]
        if not self._desk:
            return
        payload = {
            "ticket_id": ticket.pk,
            "title": title,
            "status": ticket.status,
            "priority": ticket.priority,
            "tier": ticket.tier,
            "sla_state": ticket.sla_state,
            "url": staff_url(ticket),
        }
        self.items.append(
            ([groups.user_group(uid) for uid in self._desk], feed_message(event, payload))
        )

    def send_on_commit(self) -> None:
        from iop.realtime.publish import deliver

        items, self.items = self.items, []
        if not items:
            return

        def send() -> None:
            try:
                deliver(items, timeout=2.0)
            except Exception:  # noqa: BLE001 - the feed is a courtesy on top of committed rows
                log.warning("support desk live updates failed")

        transaction.on_commit(send)
