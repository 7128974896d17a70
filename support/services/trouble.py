""" "I can't connect" on a session page: support opens (or joins) an urgent ticket about that
session with the client's latest tech check. Registered with sessions_app's trouble report
(`sessions_app.services.trouble_handler_register`), which calls it inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.viewer import Actor
from sessions_app import selectors as sessions
from sessions_app.services import TroubleOffer
from support.models import TicketCategory, TicketPriority, TicketSource, TicketStatus
from support.selectors import session_ticket_of
from support.services.tickets import priority_for, ticket_open, ticket_priority_set

TROUBLE_BODY = "I pressed “I can't connect” on the session page."
TROUBLE_AGAIN = "I pressed “I can't connect” again."
PRIORITY_RANK = {p: n for n, p in enumerate(TicketPriority.values)}  # urgent first


def ticket_open_for_trouble(*, actor: Actor, session: Any, client: ClientProfile) -> TroubleOffer:
    """Open an urgent ticket about the session (urgent when it starts within 30 minutes), or
    add to the client's open one and raise its priority if the session is now that close."""
    now = timezone.now()
    local = timezone.localtime(session.starts_at, sessions.zone_of(session.program))
    earlier = session_ticket_of(client.user, client, session)
    again = earlier is not None and earlier.is_active
    with transaction.atomic():
        ticket, created = ticket_open(
            actor=actor,
            requester=client.user,
            category=TicketCategory.CONNECTION,
            subject=f"Can't connect to {session.title} ({local:%a %d %b, %H:%M})",
            body=TROUBLE_AGAIN if again else TROUBLE_BODY,
            session=session,
            source=TicketSource.TROUBLE,
        )
        if not created:
            wanted = priority_for(session, now, source=TicketSource.TROUBLE)
            if PRIORITY_RANK[wanted] < PRIORITY_RANK[ticket.priority]:
                ticket_priority_set(actor=None, ticket=ticket, priority=wanted)
    when_text = (
        "within minutes"
        if ticket.priority == TicketPriority.URGENT
        else "as soon as the desk is open"
    )
    verb = "opened" if created else "added this to"
    waiting = ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED)
    return TroubleOffer(
        name="support",
        text=f"Tech support {verb} your request #{ticket.pk} and will answer {when_text}."
        if waiting
        else f"Your tech-support request is #{ticket.pk}.",
        url=reverse("support:ticket", args=[ticket.pk]),
        label=f"See your tech-support request #{ticket.pk}",
    )


def chat_offer_for_trouble(
    *, actor: Actor, session: Any, client: ClientProfile
) -> TroubleOffer | None:
    """Live chat with tech support, about this session, as the alternative channel."""
    return TroubleOffer(
        name="support_chat",
        text="Or chat live with tech support now.",
        url=f"{reverse('support:chat')}?session={session.pk}",
        label="Chat with tech support",
    )
