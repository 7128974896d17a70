"""The tickets part of the demo clinic (called by `manage.py seed_demo`). Safe to run again.

The desk's set-up: a support calendar (weekday hours with a lunch break, Saturday mornings, US
holidays, a training-day closure), an all-day urgent line, a policy per priority and canned
replies. Then a queue with live clocks: an urgent ticket already past its first-response target
(the SLA tick escalates it to support2 within seconds of `make run` starting), one near its
target, a new one, one waiting on the client, one on hold, one solved and rated.

The live-chat click-through: client1 presses "I can't connect" on "Open session (demo)" (under
way, so urgent, on the urgent line's all-day calendar: answerable at any hour), follows the
offer to chat, and support1 picks it up on /staff/support/chats/.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.accounts.demo import DemoClinic
from iop.accounts.models import User
from sessions_app import selectors as sessions
from sessions_app import services as session_services
from support.models import (
    SupportCalendar,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketPriority,
    TicketStatus,
)
from support.services import (
    business_hours_save,
    closure_save,
    macro_save,
    sla_policy_save,
    support_calendar_save,
    ticket_assign,
    ticket_open,
    ticket_priority_set,
    ticket_rate,
    ticket_reply,
    ticket_status_set,
)
from support.services.clock import CLOCK_FIELDS, clock_refresh

DESK = "Harbor support desk"
URGENT_LINE = "Urgent line (every day, all day)"
POLICIES = [
    # priority, calendar, first response, next reply, resolution (business minutes)
    (TicketPriority.URGENT, URGENT_LINE, 15, 15, 120),
    (TicketPriority.HIGH, DESK, 60, 120, 480),
    (TicketPriority.NORMAL, DESK, 240, 480, 1440),
    (TicketPriority.LOW, DESK, 480, 960, 2400),
]
MACROS = [
    (
        "Camera blocked by the browser",
        "Hi {first_name}, your browser is blocking the camera. Click the camera icon at the right "
        "of the address bar, choose Allow, then reload the session page and run the tech check "
        "again. Tell me if it still shows blocked. – {agent}",
        TicketStatus.PENDING,
    ),
    (
        "Ask for a screenshot",
        "Hi {first_name}, could you send a screenshot of what you see (or describe the exact "
        "message)? That tells us where it goes wrong. – {agent}",
        TicketStatus.PENDING,
    ),
    (
        "Dial in while we fix it",
        "Hi {first_name}, so you don't miss the group: you can join by phone with the dial-in "
        "number on the session page while we sort out the video. – {agent}",
        "",
    ),
    (
        "Solved: thank you",
        "Glad it works now, {first_name}. If it comes back, just reply here within 7 days and "
        "ticket {ticket} reopens. – {agent}",
        TicketStatus.SOLVED,
    ),
]


def _setup(admin: User) -> None:
    if SupportCalendar.objects.filter(name=DESK).exists():
        return
    desk = support_calendar_save(
        actor=admin,
        name=DESK,
        time_zone="America/New_York",
        holiday_country="US",
        holiday_subdivision="NY",
    )
    for weekday in range(5):
        business_hours_save(
            actor=admin, calendar=desk, weekday=weekday, opens=time(8), closes=time(12)
        )
        business_hours_save(
            actor=admin, calendar=desk, weekday=weekday, opens=time(13), closes=time(21)
        )
    business_hours_save(actor=admin, calendar=desk, weekday=5, opens=time(10), closes=time(14))
    training = timezone.localdate() + timedelta(days=21)
    closure_save(
        actor=admin, calendar=desk, name="Staff training day", starts_on=training, ends_on=training
    )
    line = support_calendar_save(actor=admin, name=URGENT_LINE, time_zone="America/New_York")
    for weekday in range(7):
        business_hours_save(
            actor=admin, calendar=line, weekday=weekday, opens=time(0), closes=time(0)
        )
    calendars = {DESK: desk, URGENT_LINE: line}
    for priority, calendar, first, following, resolution in POLICIES:
        sla_policy_save(
            actor=admin,
            name=f"{TicketPriority(priority).label} tickets",
            priority=priority,
            calendar=calendars[calendar],
            first_response_minutes=first,
            next_reply_minutes=following,
            resolution_minutes=resolution,
        )
    for name, body, status in MACROS:
        macro_save(actor=admin, name=name, body=body, status=status)


def _backdate(ticket: Ticket, minutes: int) -> None:
    """As if the ticket had opened `minutes` ago with its clock running since (demo only)."""
    then = timezone.now() - timedelta(minutes=minutes)
    TicketEntry.objects.filter(ticket=ticket).update(created_at=then)
    ticket.created_at = then
    ticket.sla_running_since = then
    clock_refresh(ticket)
    ticket.save(update_fields=["created_at", *CLOCK_FIELDS])


def _check(
    client: Any,
    *,
    camera: str = "granted",
    microphone: str = "granted",
    mbps: float = 12.0,
    agent: str = "",
) -> None:
    session_services.tech_check_record(
        actor=client.user,
        client=client,
        camera=camera,
        microphone=microphone,
        webrtc=True,
        download_mbps=mbps,
        user_agent=agent
        or "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Safari/537.36",
    )


def _open(client: Any, category: str, subject: str, body: str, **extra: Any) -> Ticket:
    ticket, _ = ticket_open(
        actor=client.user, category=category, subject=subject, body=body, **extra
    )
    return ticket


def seed_support_tickets(clinic: DemoClinic) -> None:
    admin = clinic.staff["admin"]
    with transaction.atomic():
        _setup(admin)
        clients = clinic.clients
        if Ticket.objects.filter(requester__in=[c.user for c in clients]).exists():
            return
        tier1, tier2 = clinic.staff.get("support1"), clinic.staff.get("support2")
        if tier1 is None or tier2 is None:
            _day_program(clients)
            return
        _evening_program(clients, admin, tier1)


def _evening_program(clients: list[Any], admin: User, tier1: User) -> None:
    now = timezone.now()
    first = clients[0]
    _check(first, camera="denied", mbps=0.9)
    # About their next evening group, not the demo's open session: "I can't connect" there
    # opens a ticket of its own, which the chat joins and support1 takes (tier 1), while this
    # one breaches and goes to support2.
    evening = [
        s
        for s in sessions.client_upcoming(first, now=now, days=7)
        if s.series_id is not None and not s.is_cancelled and s.ends_at > now
    ]
    breached = _open(
        first,
        TicketCategory.CONNECTION,
        "Video won't start for the evening group",
        "The session page says my camera is blocked and the video keeps freezing.",
        session=evening[0] if evening else None,
    )
    breached = ticket_priority_set(actor=admin, ticket=breached, priority=TicketPriority.URGENT)
    ticket_assign(actor=tier1, ticket=breached, assignee=tier1)
    _backdate(Ticket.objects.get(pk=breached.pk), 40)  # past its 15-minute first response

    _check(clients[3], microphone="denied")
    near = _open(
        clients[3],
        TicketCategory.AUDIO_VIDEO,
        "Nobody can hear me",
        "In the group the others say they can't hear me. My microphone worked last week.",
    )
    near = ticket_priority_set(actor=admin, ticket=near, priority=TicketPriority.URGENT)
    _backdate(near, 13)  # 80% of 15 minutes gone: warned now, breaches in about 2 minutes

    _open(
        clients[1],
        TicketCategory.AUDIO_VIDEO,
        "Echo during the session",
        "Everyone hears an echo when I talk. I'm on a laptop with its own speakers.",
    )

    _check(
        clients[2],
        agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    )
    waiting = _open(
        clients[2],
        TicketCategory.SIGNING_IN,
        "Two-step code not arriving",
        "I got a new phone and the sign-in code never comes.",
    )
    ticket_reply(
        actor=tier1,
        ticket=waiting,
        body="Hi, could you tell me the last two digits of the number the code goes to?",
    )
    ticket_status_set(actor=tier1, ticket=waiting, status=TicketStatus.PENDING)

    slow = _open(
        clients[4],
        TicketCategory.DEVICE,
        "Which tablet works best?",
        "I'd like to join from a tablet. Which ones work?",
    )
    ticket_reply(
        actor=tier1,
        ticket=slow,
        body="Any iPad from the last five years or a recent Android tablet with Chrome works well. Which do you have?",
    )
    ticket_reply(actor=slow.requester, ticket=slow, body="A Samsung tablet from 2019.")

    held = _open(
        clients[5],
        TicketCategory.CONNECTION,
        "Dropped out three times on Tuesday",
        "The video dropped three times and I had to rejoin.",
    )
    ticket_reply(
        actor=tier1,
        ticket=held,
        body="We've asked our video provider for the call logs; we'll be back to you.",
    )
    ticket_status_set(actor=tier1, ticket=held, status=TicketStatus.ON_HOLD)

    done = _open(
        clients[6],
        TicketCategory.SIGNING_IN,
        "Locked out",
        "It says my account is locked.",
    )
    ticket_reply(
        actor=tier1,
        ticket=done,
        body="Your account is unlocked; it locks for 30 minutes after repeated wrong passwords.",
    )
    ticket_status_set(actor=tier1, ticket=done, status=TicketStatus.SOLVED)
    ticket_rate(actor=done.requester, ticket=done, score=5, comment="Quick and kind, thank you.")


def _day_program(clients: list[Any]) -> None:
    if not clients:
        return
    _check(clients[0], mbps=1.1)
    _open(
        clients[0],
        TicketCategory.CONNECTION,
        "Slow video in the morning group",
        "The picture freezes every few minutes.",
    )
